/**
 * The wasm BatchMatMul with a transposed operand runs about 13× slower than transposing
 * that operand first and multiplying plainly (measured: [784,128]ᵀ·[128,255] 47 ms against
 * 3 ms). Every gradient of a matrix product is such a product (dW = xᵀ·dz), so this wrapper
 * transposes explicitly and calls the backend's own kernel untransposed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { release, transpose, type KernelArgs } from './wasmOps.js';

/** Swaps the last two axes. */
const lastTwoSwapped = (rank: number) => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];

export function batchMatMul(args: KernelArgs, builtin: (args: KernelArgs) => tf.TensorInfo): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  if (!transposeA && !transposeB) return builtin(args);
  const a = transposeA ? transpose(backend, inputs.a, lastTwoSwapped(inputs.a.shape.length)) : inputs.a;
  const b = transposeB ? transpose(backend, inputs.b, lastTwoSwapped(inputs.b.shape.length)) : inputs.b;
  const out = builtin({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
  if (a !== inputs.a) release(backend, a);
  if (b !== inputs.b) release(backend, b);
  return out;
}
