/**
 * The soft tree's hand-written training step (sdt.ts's `gradients`, treeLoss.ts) against
 * TensorFlow.js's autodiff of the loss written as tensor ops (the composition it replaced):
 * same loss, same gradient of every parameter, same running averages, on wasm and cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { createSoftTree, type SoftTree, type TreeConfig } from '../src/models/sdt.js';
import { filterPenaltyOp } from './filterPenaltyOp.js';
import { pathProbabilities } from './pathOp.js';
import { innerCount, nodeDepth } from '../src/models/treeNodes.js';
import { randomSource } from '../src/random.js';
import { treeLoss } from '../src/models/treeLoss.js';

const EPS = 1e-6;

const config = (over: Partial<TreeConfig>): TreeConfig => ({
  depth: 3, features: 12, classes: 4, beta: 1.5, learnBeta: true, lambda: 0.3, penaltyLevel: 'mean', alphaWindow: 2, seed: 3, ...over,
});

function randomArray(size: number, seed: number, scale: number): Float32Array {
  const random = randomSource(seed);
  return Float32Array.from({ length: size }, () => (random() * 2 - 1) * scale);
}

/** Soft targets: random rows that sum to one; every other row one-hot (the skipped zeros). */
function randomTargets(n: number, K: number, seed: number): Float32Array {
  const soft = tf.tidy(() => tf.softmax(tf.tensor2d(randomArray(n * K, seed, 3), [n, K])).dataSync() as Float32Array);
  for (let r = 0; r < n; r += 2) soft.fill(0, r * K, (r + 1) * K).fill(1, r * K + (r % K), r * K + (r % K) + 1);
  return soft;
}

/** The loss as tensor ops: the expected cross-entropy, the balance penalty (updating α̃) and the filter penalties. */
function referenceLoss(tree: SoftTree, alpha: Float32Array, x: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  const [W, b, phi] = tree.trainable;
  const { depth, lambda, penaltyLevel, alphaWindow, beta, learnBeta, imageShape } = tree.config;
  const [I, K] = [innerCount(depth), tree.config.classes];
  const betaT = learnBeta ? tree.trainable[3] : tf.scalar(beta);
  const P = pathProbabilities(tf.mul(betaT, tf.add(tf.matMul(x, W), b)) as tf.Tensor2D);
  const logQ = tf.concat([tf.zeros([I, K]), tf.logSoftmax(phi)], 0);
  let loss = tf.neg(tf.mean(tf.sum(tf.mul(P, tf.matMul(targets, logQ, false, true)), 1))) as tf.Scalar;
  if (imageShape) loss = tf.add(loss, filterPenaltyOp(W as tf.Tensor2D, tree.config, imageShape));
  if (lambda === 0) return loss;
  const weight = tf.tensor1d(Array.from({ length: I }, (_, i) => 2 ** -nodeDepth(i) / (penaltyLevel === 'mean' ? 2 ** nodeDepth(i) : 1)));
  const decay = tf.tensor1d(Array.from({ length: I }, (_, i) => (alphaWindow > 0 ? 1 - 1 / (alphaWindow * 2 ** nodeDepth(i)) : 0)));
  const mass = tf.sum(P, 0);
  const [left, right] = tf.split(tf.reshape(tf.slice(mass, 1, 2 * I), [I, 2]), 2, 1);
  const alphaBatch = tf.reshape(tf.div(tf.add(right, EPS / 2), tf.add(tf.add(left, right), EPS)), [I]);
  const mixed = tf.clipByValue(tf.add(tf.mul(decay, tf.tensor1d(alpha)), tf.mul(tf.sub(1, decay), alphaBatch)), EPS, 1 - EPS);
  alpha.set(tf.keep(mixed).dataSync());
  const balance = tf.mul(0.5, tf.add(tf.log(mixed), tf.log(tf.sub(1, mixed))));
  return tf.add(loss, tf.mul(-lambda, tf.sum(tf.mul(weight, balance)))) as tf.Scalar;
}

type Step = { loss: number; gradients: Float32Array[]; alpha: Float32Array };

/** Loss, gradients and α̃ of two steps on the same batch (the second sees the first's average), by the tree's own step and by the tape. */
function twoSteps(ours: SoftTree, theirs: SoftTree, n: number, seed: number): [Step[], Step[]] {
  const { features: F, classes: K } = ours.config;
  const [x, targets] = [randomArray(n * F, seed, 2), randomTargets(n, K, seed + 1)];
  const alpha = theirs.alphaAverage.slice();
  const steps = [0, 1].map(() => {
    const own = ours.gradients(x, targets, n);
    own.gradients = own.gradients.map((g) => g.slice()); // the tree reuses its arrays
    const tape = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => referenceLoss(theirs, alpha, tf.tensor2d(x, [n, F]), tf.tensor2d(targets, [n, K])), theirs.trainable);
      return { loss: value.dataSync()[0], gradients: theirs.trainable.map((v) => Float32Array.from(grads[v.name].dataSync())), alpha: alpha.slice() };
    });
    return [{ ...own, alpha: ours.alphaAverage.slice() }, tape];
  });
  return [steps.map((s) => s[0]), steps.map((s) => s[1])];
}

/** max |a − b| / max |b|, the error relative to the reference's scale. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let [diff, scale] = [0, 1e-12];
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

describe.each(['wasm', 'cpu'])('the tree\'s hand-written gradient on %s', (backend) => {
  beforeAll(async () => {
    await initBackend('wasm'); // registers sdt's wasm kernels
    await tf.setBackend(backend);
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  const cases: [number, Partial<TreeConfig>][] = [
    [1, {}],
    [2, { penaltyLevel: 'sum' }],
    [3, { alphaWindow: 0, beta: 0.7, learnBeta: false }],
    [4, { lambda: 0 }],
    [4, { alphaWindow: 1, features: 12, classes: 10 }],
    [2, { filterL1: 0.01, filterSmoothness: 0.02, imageShape: [2, 3, 2] }],
    [3, { lambda: 0, learnBeta: false, filterL1: 0.05, filterSmoothness: 0.1, imageShape: [3, 4, 1] }],
  ];
  it.each(cases)('is tf\'s autodiff of the tensor-op loss: loss, every gradient, running averages (depth %i, %o)', (depth, over) => {
    const [ours, theirs] = [0, 1].map(() => createSoftTree(config({ depth, ...over })));
    const [own, tape] = twoSteps(ours, theirs, 9, depth);
    expect(ours.trainable.length).toBe(ours.config.learnBeta ? 4 : 3);
    for (let step = 0; step < 2; step++) {
      expect(own[step].loss).toBeCloseTo(tape[step].loss, 5);
      expect(own[step].gradients.length).toBe(tape[step].gradients.length);
      const [dW, db, dPhi, dBeta] = own[step].gradients;
      [dW, db, dPhi].forEach((g, i) => expect(relativeError(g, tape[step].gradients[i])).toBeLessThan(3e-5));
      // ∂L/∂β sums n · I terms that mostly cancel: float32 rounding of the reference shows in its relative error.
      if (dBeta) expect(Math.abs(dBeta[0] - tape[step].gradients[3][0])).toBeLessThan(1e-6);
      expect(relativeError(own[step].alpha, tape[step].alpha)).toBeLessThan(1e-6);
    }
    // With a penalty the averages moved away from ½, so the check had something to check.
    if (ours.config.lambda > 0) expect(relativeError(own[0].alpha, new Float32Array(innerCount(depth)).fill(0.5))).toBeGreaterThan(1e-3);
    expect(tf.getBackend()).toBe(backend);
    [ours, theirs].forEach((t) => t.dispose());
  });
});

describe('the tree\'s gradient deep in a confident tree', () => {
  it('flushes ∂L/∂s under 1e-30 to zero, so that ∂L/∂W = xᵀ·∂L/∂s makes no subnormal floats', () => {
    // Depth 2, β = 2: the root sends every example right with q_0 = σ(−80) ≈ 2e-35, so the
    // left child's gradient is some 1e-35, which times a pixel is subnormal.
    const [n, inner, K, beta] = [3, 3, 2, 2];
    const s = Float32Array.from({ length: n * inner }, (_, j) => (j % inner === 0 ? 40 : (j % 2 ? 1 : -1) * 0.3));
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    const [p, q] = [Float32Array.from(s, (v) => sigmoid(beta * v)), Float32Array.from(s, (v) => sigmoid(-beta * v))];
    const arrays = { paths: new Float32Array(n * 7), dPaths: new Float32Array(n * 7), ds: new Float32Array(n * inner) };
    const targets = Float32Array.from({ length: n * K }, (_, j) => (j % K === 0 ? 1 : 0));
    const phi = Float32Array.of(0, 0, 1, 0, 0, 2, 1, 0); // leaf logits [4, 2]: class 0's probability differs by leaf
    const { ds } = treeLoss({ n, s, p, q, targets, ...arrays }, beta, phi, null, new Float32Array(inner));
    const left = Array.from({ length: n }, (_, r) => ds[r * inner + 1]);
    const right = Array.from({ length: n }, (_, r) => ds[r * inner + 2]);
    expect(left).toEqual([0, 0, 0]); // unflushed, each would be some 1e-35
    right.forEach((v) => expect(Math.abs(v)).toBeGreaterThan(1e-3)); // the reached child keeps its gradient
    ds.forEach((v) => expect(v === 0 || Math.abs(v) >= 1e-30).toBe(true));
  });
});
