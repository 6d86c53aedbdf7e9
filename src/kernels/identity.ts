/**
 * Identity, and Cast to the dtype a tensor already has. The wasm backend copies the data
 * for both; its own Reshape, like the cpu backend's Identity, shares it instead (tensors
 * are immutable and the backend counts references). Every gradient of a product casts its
 * other operand this way (dy · cast(b)) and every ReLU's its step mask: 32 copies in a
 * teacher's training step, 54 in a tree's. Real conversions go to the builtin.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { KernelArgs } from './wasmOps.js';

export function identity(args: KernelArgs, builtin: (args: KernelArgs) => tf.TensorInfo): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const dtype = (attrs as { dtype?: tf.DataType } | undefined)?.dtype ?? x.dtype;
  if (x.dtype === 'string' || dtype !== x.dtype) return builtin(args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
