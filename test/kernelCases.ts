/**
 * The convolution gradients and matrix products that sdt's kernels replace, computed on the
 * wasm backend and on cpu. kernels.test.ts uses the functions in its own process, and runs
 * this file as a program (`node --import tsx test/kernelCases.ts`) under other settings
 * (SDT_ONNXRUNTIME=0, SDT_WASM_THREADS=1 or 2); it then prints one JSON object: whether
 * onnxruntime ran the kernels, each case's largest error against cpu, and the bits of each
 * wasm result (and of the teacher's onnxruntime graphs) as a hash.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend.js';
import { createTeacher, teacherLearner, teacherLogits } from '../src/models/teacher.js';
import { randomSource } from '../src/random.js';

export type ConvCase = { n: number; h: number; w: number; ci: number; co: number; k: number; stride: number; pad: 'same' | 'valid' };

/** Gradients of sum(conv2d(x, W) · r) with respect to x and W on one backend. */
export async function gradients(backend: string, c: ConvCase, seed: number): Promise<{ dx: Float32Array; dw: Float32Array }> {
  await tf.setBackend(backend);
  const random = randomSource(seed);
  const fill = (size: number) => Float32Array.from({ length: size }, () => random() * 2 - 1);
  const x = tf.tensor4d(fill(c.n * c.h * c.w * c.ci), [c.n, c.h, c.w, c.ci]);
  const w = tf.tensor4d(fill(c.k * c.k * c.ci * c.co), [c.k, c.k, c.ci, c.co]);
  const outShape = tf.conv2d(x, w, c.stride, c.pad).shape;
  const r = tf.tensor(fill(outShape.reduce((a, b) => a * b, 1)), outShape);
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), r)));
  const [dx, dw] = g([x, w]);
  const result = { dx: (await dx.data()) as Float32Array, dw: (await dw.data()) as Float32Array };
  tf.dispose([x, w, r, dx, dw]);
  return result;
}

export type ProductCase = { a: number[]; b: number[]; transposeA: boolean; transposeB: boolean; fused: boolean };

/** op(a)·op(b) on one backend; `fused` adds a bias and a relu in the same kernel (_FusedMatMul). */
export async function product(backend: string, c: ProductCase): Promise<Float32Array> {
  await tf.setBackend(backend);
  const random = randomSource(11);
  const make = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => random() * 2 - 1), shape);
  const [a, b] = [make(c.a), make(c.b)];
  const columns = c.transposeB ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
  const bias = make([columns]);
  const out = c.fused
    ? tf.fused.matMul({ a, b, transposeA: c.transposeA, transposeB: c.transposeB, bias, activation: 'relu' })
    : tf.matMul(a, b, c.transposeA, c.transposeB);
  const values = (await out.data()) as Float32Array;
  tf.dispose([a, b, bias, out]);
  return values;
}

/** The largest difference, relative to the largest reference value. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** The teacher's two convolutions (a small batch) and products of every shape class. */
export const programCases = {
  convolutions: [
    { n: 6, h: 28, w: 28, ci: 1, co: 32, k: 5, stride: 1, pad: 'same' },
    { n: 6, h: 14, w: 14, ci: 32, co: 64, k: 5, stride: 1, pad: 'same' },
    { n: 3, h: 11, w: 13, ci: 8, co: 16, k: 3, stride: 2, pad: 'valid' },
  ] as ConvCase[],
  // Above onnxMatMul.ts's threshold: more rows than columns, fewer (computed transposed),
  // each transpose, and a batch of one.
  products: [
    { a: [300, 784], b: [784, 100], transposeA: false, transposeB: false, fused: false },
    { a: [25, 3000], b: [3000, 64], transposeA: false, transposeB: false, fused: false },
    { a: [3000, 25], b: [64, 3000], transposeA: true, transposeB: true, fused: false },
    { a: [784, 130], b: [784, 255], transposeA: true, transposeB: false, fused: false },
    { a: [40, 784], b: [784, 255], transposeA: false, transposeB: false, fused: true },
    { a: [200, 784], b: [784, 64], transposeA: false, transposeB: false, fused: true },
    { a: [1, 128, 784], b: [1, 784, 255], transposeA: false, transposeB: false, fused: false },
  ] as ProductCase[],
};

const hash = (values: Float32Array) => createHash('sha256').update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).digest('hex').slice(0, 16);

if (process.argv[1]?.endsWith('kernelCases.ts')) {
  const backend = await initBackend('wasm');
  const errors: number[] = [];
  const bits: string[] = [];
  for (const [i, c] of programCases.convolutions.entries()) {
    const [ours, reference] = [await gradients('wasm', c, i + 1), await gradients('cpu', c, i + 1)];
    errors.push(relativeError(ours.dx, reference.dx), relativeError(ours.dw, reference.dw));
    bits.push(hash(ours.dx), hash(ours.dw));
  }
  for (const c of programCases.products) {
    const [ours, reference] = [await product('wasm', c), await product('cpu', c)];
    errors.push(relativeError(ours, reference));
    bits.push(hash(ours));
  }
  // The teacher's graphs (models/cnnGraphs.ts): a training step's gradients (batches of
  // 32 and 9: blocked and plain filter gradients) and the logits.
  const teacher = createTeacher({ inputShape: [28, 28, 1], classes: 10, seed: 1 });
  const learner = teacherLearner(teacher);
  const random = randomSource(5);
  const x = Float32Array.from({ length: 37 * 784 }, () => random());
  const targets = Float32Array.from({ length: 37 * 10 }, (_, i) => (i % 11 === 0 ? 1 : 0));
  if ('gradients' in learner)
    for (const n of [32, 9]) bits.push(...learner.gradients(x.subarray(0, n * 784), targets.subarray(0, n * 10), n).gradients.map(hash));
  else if (backend.onnxruntime) throw new Error('onnxruntime runs, yet the teacher trains through the tape');
  bits.push(hash(teacherLogits(teacher, { x, y: new Int32Array(37), n: 37 })));
  console.log(JSON.stringify({ onnxruntime: backend.onnxruntime, threads: backend.threads, errors, bits }));
}
