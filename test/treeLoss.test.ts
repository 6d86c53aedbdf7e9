/**
 * The fused loss op (treeLoss.ts) against the tensor-op composition it replaced, written out
 * here as the oracle: same loss, same gradients of every parameter, same running averages,
 * on wasm and cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { createSoftTree, type SoftTree, type TreeConfig } from '../src/models/sdt.js';
import { pathProbabilities } from './pathOp.js';
import { innerCount, nodeDepth } from '../src/models/treeNodes.js';
import { randomSource } from '../src/random.js';

const EPS = 1e-6;

const config = (over: Partial<TreeConfig>): TreeConfig => ({
  depth: 3, features: 7, classes: 4, beta: 1.5, learnBeta: true, lambda: 0.3, penaltyLevel: 'mean', alphaWindow: 2, seed: 3, ...over,
});

function randomArray(size: number, seed: number, scale: number): Float32Array {
  const random = randomSource(seed);
  return Float32Array.from({ length: size }, () => (random() * 2 - 1) * scale);
}

/** Soft targets: random rows that sum to one. */
function randomTargets(n: number, K: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => tf.softmax(tf.tensor2d(randomArray(n * K, seed, 3), [n, K])) as tf.Tensor2D);
}

/** The loss as tensor ops (sdt.ts before the fused op): the expected cross-entropy and the balance penalty. */
function referenceLoss(tree: SoftTree, [W, b, phi, beta]: tf.Variable[], x: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  const { depth, lambda, penaltyLevel, alphaWindow } = tree.config;
  const [I, K] = [innerCount(depth), tree.config.classes];
  const P = pathProbabilities(tf.mul(beta, tf.add(tf.matMul(x, W), b)) as tf.Tensor2D);
  const logQ = tf.concat([tf.zeros([I, K]), tf.logSoftmax(phi)], 0);
  const expected = tf.neg(tf.mean(tf.sum(tf.mul(P, tf.matMul(targets, logQ, false, true)), 1))) as tf.Scalar;
  if (lambda === 0) return expected;
  const weight = tf.tensor1d(Array.from({ length: I }, (_, i) => 2 ** -nodeDepth(i) / (penaltyLevel === 'mean' ? 2 ** nodeDepth(i) : 1)));
  const decay = tf.tensor1d(Array.from({ length: I }, (_, i) => (alphaWindow > 0 ? 1 - 1 / (alphaWindow * 2 ** nodeDepth(i)) : 0)));
  const mass = tf.sum(P, 0);
  const [left, right] = tf.split(tf.reshape(tf.slice(mass, 1, 2 * I), [I, 2]), 2, 1);
  const alphaBatch = tf.reshape(tf.div(tf.add(right, EPS / 2), tf.add(tf.add(left, right), EPS)), [I]);
  const alpha = tf.clipByValue(tf.add(tf.mul(decay, tree.alphaAverage), tf.mul(tf.sub(1, decay), alphaBatch)), EPS, 1 - EPS);
  tree.alphaAverage.assign(alpha as tf.Tensor1D);
  const balance = tf.mul(0.5, tf.add(tf.log(alpha), tf.log(tf.sub(1, alpha))));
  return tf.add(expected, tf.mul(-lambda, tf.sum(tf.mul(weight, balance)))) as tf.Scalar;
}

/** Loss, gradients of every parameter and α̃ after two steps (the second sees the first's average). */
function lossAndGradients(tree: SoftTree, loss: (x: tf.Tensor2D, t: tf.Tensor2D) => tf.Scalar, n: number, seed: number) {
  const x = tf.tensor2d(randomArray(n * tree.config.features, seed, 2), [n, tree.config.features]);
  const targets = randomTargets(n, tree.config.classes, seed + 1);
  const results = [0, 1].map(() => {
    const { value, grads } = tf.variableGrads(() => loss(x, targets), tree.trainable);
    const out = { loss: value.dataSync()[0], grads: tree.trainable.map((v) => Float32Array.from(grads[v.name].dataSync())), alpha: Float32Array.from(tree.alphaAverage.dataSync()) };
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  });
  tf.dispose([x, targets]);
  return results;
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

describe.each(['wasm', 'cpu'])('the fused tree loss on %s', (backend) => {
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
    [3, { alphaWindow: 0, beta: 0.7 }],
    [4, { lambda: 0 }],
    [4, { alphaWindow: 1, features: 12, classes: 10 }],
  ];
  it.each(cases)('gives the loss, gradients and running averages of the tensor-op composition (depth %i, %o)', async (depth, over) => {
    const fused = createSoftTree(config({ depth, ...over }));
    const reference = createSoftTree(config({ depth, ...over }));
    const ours = lossAndGradients(fused, fused.loss, 9, depth);
    const theirs = lossAndGradients(reference, (x, t) => referenceLoss(reference, reference.trainable, x, t), 9, depth);
    for (let step = 0; step < 2; step++) {
      expect(ours[step].loss).toBeCloseTo(theirs[step].loss, 5);
      const [dW, db, dPhi, dBeta] = ours[step].grads;
      [dW, db, dPhi].forEach((g, i) => expect(relativeError(g, theirs[step].grads[i])).toBeLessThan(3e-5));
      // ∂L/∂β sums n · I terms that mostly cancel: float32 rounding of the reference shows in its relative error.
      expect(Math.abs(dBeta[0] - theirs[step].grads[3][0])).toBeLessThan(1e-7);
      expect(relativeError(ours[step].alpha, theirs[step].alpha)).toBeLessThan(1e-6);
    }
    // With a penalty the averages moved away from ½, so the check had something to check.
    if (fused.config.lambda > 0) expect(relativeError(ours[0].alpha, new Float32Array(innerCount(depth)).fill(0.5))).toBeGreaterThan(1e-3);
    expect(tf.getBackend()).toBe(backend);
    [fused, reference].forEach((t) => t.dispose());
  });

});
