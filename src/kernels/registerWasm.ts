/**
 * Kernels sdt registers on the wasm backend. It has no Conv2DBackpropFilter kernel at all
 * (so no conv layer can train), and its Conv2DBackpropInput is a scalar C++ loop about ten
 * times slower than its XNNPACK forward convolution. Both gradients are correlations, so
 * both are computed here by that fast forward Conv2D on transposed or flipped operands.
 * Its BatchMatMul is slow with a transposed operand, so that gets an explicit transpose;
 * MaxPoolGrad, Sum, Identity and Cast get faster versions with the same results.
 * Call after the wasm backend has initialised: the kernels reused here must be set up.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilter } from './conv2dBackpropFilter.js';
import { batchMatMul } from './batchMatMul.js';
import { conv2dBackpropInput } from './conv2dBackpropInput.js';
import { identity } from './identity.js';
import { maxPoolGrad } from './maxPoolGrad.js';
import { conv2dKernel } from './onnxConv2d.js';
import { onnxMatMul } from './onnxMatMul.js';
import { sum } from './sum.js';
import type { KernelArgs } from './wasmOps.js';

let registered = false;

/**
 * With `onnxruntime` (it loaded: onnxruntime.ts), convolutions and large matrix products run
 * there; both convolution gradients are convolutions, so they follow.
 */
export function registerWasmKernels(onnxruntime: boolean): void {
  if (registered) return;
  registered = true;
  // A later release of the backend may ship its own; then it is used as it is.
  if (!tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')) {
    tf.registerKernel({
      kernelName: tf.Conv2DBackpropFilter,
      backendName: 'wasm',
      kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
    });
  }
  wrapBuiltin(tf.Conv2DBackpropInput, conv2dBackpropInput);
  wrapBuiltin(tf.BatchMatMul, onnxruntime ? (args, builtin) => onnxMatMul(args) ?? batchMatMul(args, builtin) : batchMatMul);
  if (onnxruntime) {
    wrapBuiltin(tf._FusedMatMul, (args, builtin) => onnxMatMul(args) ?? builtin(args));
    wrapBuiltin(tf.Conv2D, conv2dKernel);
    wrapBuiltin(tf.FusedConv2D, conv2dKernel);
  }
  wrapBuiltin(tf.MaxPoolGrad, maxPoolGrad);
  wrapBuiltin(tf.Sum, sum);
  wrapBuiltin(tf.Identity, identity);
  wrapBuiltin(tf.Cast, identity);
}

type Builtin = (args: KernelArgs) => tf.TensorInfo;

/** Replaces the backend's kernel `name` by `wrapper`, which may call the original. */
function wrapBuiltin(name: string, wrapper: (args: KernelArgs, builtin: Builtin) => tf.TensorInfo): void {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`the wasm backend has no ${name} kernel`);
  tf.unregisterKernel(name, 'wasm');
  const builtin = config.kernelFunc as unknown as Builtin;
  // The builtin's setup (binding its wasm function) must run again if the backend is re-created.
  tf.registerKernel({ kernelName: name, backendName: 'wasm', setupFunc: config.setupFunc, kernelFunc: ((args: KernelArgs) => wrapper(args, builtin)) as unknown as tf.KernelFunc });
}
