/**
 * Convolution gradients for the wasm backend. It has no Conv2DBackpropFilter kernel at all
 * (so no conv layer can train), and its Conv2DBackpropInput is a scalar C++ loop about ten
 * times slower than its XNNPACK forward convolution. Both gradients are correlations, so
 * both are computed here by that fast forward Conv2D on transposed or flipped operands.
 * Call after the wasm backend has initialised: the kernels reused here must be set up.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilter } from './conv2dBackpropFilter.js';
import { conv2dBackpropInput } from './conv2dBackpropInput.js';
import type { KernelArgs } from './wasmOps.js';

let registered = false;

export function registerWasmConvGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
  });
  const builtin = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
  if (builtin) tf.unregisterKernel(tf.Conv2DBackpropInput, 'wasm');
  const fallback = builtin?.kernelFunc as unknown as ((args: KernelArgs) => tf.TensorInfo) | undefined;
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropInput,
    backendName: 'wasm',
    kernelFunc: ((args: KernelArgs) => conv2dBackpropInput(args, fallback)) as unknown as tf.KernelFunc,
  });
}
