/** Runs the tfjs soft tree (sdt.ts) over a whole split in chunks, returning plain arrays, and adapts it to the training loop (a Learner). */
import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../data/dataset.js';
import { accuracy } from '../eval/metrics.js';
import type { Learner } from './learner.js';
import { argMaxRows } from '../data/rows.js';
import { emptyPredictions, maxPathRows, type TreePredictions } from './leafPrediction.js';
import { pathsForward } from './pathProbabilities.js';
import type { SoftTree } from './sdt.js';
import { innerCount } from './treeNodes.js';

export type { TreePredictions };

/**
 * Examples per product x·W, measured from 256 to 4,096 (depth 8, MNIST, paired runs on a busy
 * machine): smaller batches pay XNNPACK's per-call and per-thread cost; with two threads 2,048
 * was fastest, with one 1,024 (by 5 %); the product is most of the time at any size.
 */
export const PREDICT_BATCH = 2048;

/** The tree's predictions for every example of `split`: per batch the product on the backend, the rest in one pass (leafPrediction.ts). */
export function predictTree(tree: SoftTree, split: Split, batch = PREDICT_BATCH): TreePredictions {
  const { features: F, classes: K } = tree.config;
  const inner = innerCount(tree.config.depth);
  const out = emptyPredictions(split.n, K);
  const Q = tf.tidy(() => tf.softmax(tree.leafLogits)); // [L, K]
  const leafClass = argMaxRows(Q.dataSync(), K);
  for (let start = 0; start < split.n; start += batch) {
    const rows = Math.min(batch, split.n - start);
    const x = tf.tensor2d(split.x.subarray(start * F, (start + rows) * F), [rows, F]);
    const { p, q } = tree.branchProbabilities(x);
    x.dispose();
    const leafPaths = new Float32Array(rows * (inner + 1));
    maxPathRows(pathsForward(p, q, rows, inner), rows, inner, leafClass, out, start, leafPaths);
    // Σ_ℓ P^ℓ Q^ℓ [rows, K]: a product on the backend, as fast there as the walk above is in JS.
    const mixture = tf.tidy(() => tf.matMul(tf.tensor2d(leafPaths, [rows, inner + 1]), Q));
    const values = mixture.dataSync() as Float32Array;
    mixture.dispose();
    out.mixtureProbabilities.set(values, start * K);
    out.mixture.set(argMaxRows(values, K), start);
  }
  Q.dispose();
  return out;
}

/** The tree as the training loop sees it; early stopping watches max-path accuracy. */
export function treeLearner(tree: SoftTree): Learner {
  return {
    trainable: tree.trainable,
    gradients: tree.gradients,
    accuracy: (split) => accuracy(predictTree(tree, split).maxPath, split.y),
    snapshot: () => {
      const p = tree.read();
      return [p.weights, p.biases, p.leafLogits, Float32Array.of(p.beta), tree.alphaAverage.slice()];
    },
    beforeBatch: (progress) => tree.anneal(progress),
    restore: ([weights, biases, leafLogits, beta, alphaAverage]) => {
      tree.write({ weights, biases, leafLogits, beta: beta[0] });
      tree.alphaAverage.set(alphaAverage);
    },
  };
}
