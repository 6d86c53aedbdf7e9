/**
 * A forward convolution, NHWC, with explicit padding [top, bottom, left, right]: on
 * onnxruntime when it runs in this process (onnxConv2d.ts), else on the wasm backend's
 * XNNPACK. Both convolution gradients are computed with it.
 */
import { onnxConv2d } from './onnxConv2d.js';
import { onnxruntimeActive } from './onnxruntime.js';
import { wasmConv2d } from './wasmOps.js';

export const conv2d = (...args: Parameters<typeof wasmConv2d>) => (onnxruntimeActive() ? onnxConv2d : wasmConv2d)(...args);
