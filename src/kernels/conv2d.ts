/**
 * A forward convolution, NHWC, with explicit padding [top, bottom, left, right]: on
 * onnxruntime when it runs in this process (onnxConv2d.ts), else on the wasm backend's
 * XNNPACK. Both convolution gradients are computed with it.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { onnxConv2d } from './onnxConv2d.js';
import { onnxruntimeActive } from './onnxruntime.js';
import { wasmConv2d, type WasmBackend } from './wasmOps.js';

export function conv2d(
  backend: WasmBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  strides: [number, number],
  dilations: [number, number],
  pads: number[],
): tf.TensorInfo {
  return (onnxruntimeActive() ? onnxConv2d : wasmConv2d)(backend, x, filter, strides, dilations, pads);
}
