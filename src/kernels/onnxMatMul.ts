/**
 * A matrix product on onnxruntime (onnxruntime.ts): one Gemm, y = act(op(a)·op(b) + bias),
 * op transposing when asked. It serves the BatchMatMul and _FusedMatMul kernels for a batch
 * of one (every product sdt's models make) when the second operand is large enough to gain.
 *
 * A row of the result must not depend on the number of threads, nor on how many rows are
 * computed with it (a batch of 7 gives the bits of a batch of 10,000). MLAS splits a product
 * over its threads by rows when the output has at least as many rows as columns, and by
 * columns otherwise; a thread's share of the columns sets how it blocks the long sum, so split
 * by columns the bits change with the threads (measured: [25 × 20,000]·[20,000 × 32] on one
 * thread and on two). So a product with fewer rows than columns runs on one thread (there
 * are few rows), and whether a product runs here depends on op(b) alone, never on the rows.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FLOAT, node, onnx, valueInfo } from './onnxGraph.js';
import { runOnnx } from './onnxruntime.js';
import type { KernelArgs } from './wasmOps.js';

/** 2¹⁴ weights: a tree of depth 5 on MNIST (784 × 31) and larger; a product of fewer stays on wasm. */
const MIN_WEIGHTS = 2 ** 14;

/** The product of the kernel's inputs on onnxruntime, or null when it should stay on wasm. */
export function onnxMatMul({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { a, b, bias, preluActivationWeights } = inputs;
  const { transposeA, transposeB, activation } = attrs as unknown as tf._FusedMatMulAttrs;
  // [rows, columns], or a batch of one of them (tfjs passes either).
  const matrix = (t: tf.TensorInfo) => t.dtype === 'float32' && (t.shape.length === 2 || (t.shape.length === 3 && t.shape[0] === 1));
  if (!matrix(a) || !matrix(b) || a.shape.length !== b.shape.length) return null;
  if (preluActivationWeights || (activation !== undefined && activation !== 'linear' && activation !== 'relu')) return null;
  if (bias && (bias.shape.length !== 1 || bias.dtype !== 'float32')) return null;
  const [ra, ca] = a.shape.slice(-2);
  const [rb, cb] = b.shape.slice(-2);
  if (rb * cb < MIN_WEIGHTS) return null;
  const M = transposeA ? ca : ra;
  const N = transposeB ? rb : cb;
  const relu = activation === 'relu';
  const key = `gemm a${ra},${ca} b${rb},${cb} t${+transposeA}${+transposeB} ${bias ? `bias${bias.shape}` : ''} ${relu ? 'relu' : ''}`;
  const graph = () =>
    onnx.GraphProto.create({
      name: 'gemm',
      input: [valueInfo('a', FLOAT, [ra, ca]), valueInfo('b', FLOAT, [rb, cb]), ...(bias ? [valueInfo('c', FLOAT, bias.shape)] : [])],
      output: [valueInfo('y', FLOAT, [M, N])],
      node: [
        node('Gemm', ['a', 'b', ...(bias ? ['c'] : [])], [relu ? 'product' : 'y'], { transA: +transposeA, transB: +transposeB }),
        ...(relu ? [node('Relu', ['product'], ['y'])] : []),
      ],
    });
  const feeds = { a: [a, [ra, ca]], b: [b, [rb, cb]], ...(bias ? { c: bias } : {}) } as Parameters<typeof runOnnx>[3];
  return runOnnx(backend, key, graph, feeds, [...a.shape.slice(0, -2), M, N], { outDims: [M, N], oneThread: M < N });
}
