/** Runs the tfjs soft tree (sdt.ts) over a whole split in chunks, returning plain arrays, and adapts it to the training loop (a Learner). */
import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../data/dataset.js';
import { accuracy } from '../eval/metrics.js';
import type { Learner } from './learner.js';
import type { SoftTree } from './sdt.js';

export interface TreePredictions {
  leaf: Int32Array;
  maxPath: Int32Array;
  mixture: Int32Array;
  /** P^ℓ(x) of the chosen leaf: how much of the tree's probability its max path carries. */
  leafProbability: Float32Array;
  /** Σ_ℓ P^ℓ Q^ℓ per example, [n, K]. */
  mixtureProbabilities: Float32Array;
}

const CHUNK = 2048;

export function predictTree(tree: SoftTree, split: Split): TreePredictions {
  const F = tree.config.features;
  const K = tree.config.classes;
  const out: TreePredictions = {
    leaf: new Int32Array(split.n),
    maxPath: new Int32Array(split.n),
    mixture: new Int32Array(split.n),
    leafProbability: new Float32Array(split.n),
    mixtureProbabilities: new Float32Array(split.n * K),
  };
  for (let start = 0; start < split.n; start += CHUNK) {
    const rows = Math.min(CHUNK, split.n - start);
    const x = tf.tensor2d(split.x.subarray(start * F, (start + rows) * F), [rows, F]);
    const p = tree.predict(x);
    out.leaf.set(p.leaf.dataSync(), start);
    out.maxPath.set(p.maxPath.dataSync(), start);
    out.mixture.set(p.mixture.dataSync(), start);
    out.leafProbability.set(p.leafProbability.dataSync(), start);
    out.mixtureProbabilities.set(p.mixtureProbabilities.dataSync(), start * K);
    tf.dispose([x, p.leaf, p.maxPath, p.mixture, p.leafProbability, p.mixtureProbabilities]);
  }
  return out;
}

/** The tree as the training loop sees it; early stopping watches max-path accuracy. */
export function treeLearner(tree: SoftTree): Learner {
  return {
    trainable: tree.trainable,
    loss: (x, targets) => tree.loss(x as tf.Tensor2D, targets),
    accuracy: (split) => accuracy(predictTree(tree, split).maxPath, split.y),
    snapshot: () => {
      const p = tree.read();
      return [p.weights, p.biases, p.leafLogits, Float32Array.of(p.beta), (tree.alphaAverage.dataSync() as Float32Array).slice()];
    },
    beforeBatch: (progress) => tree.anneal(progress),
    restore: ([weights, biases, leafLogits, beta, alphaAverage]) => {
      tree.write({ weights, biases, leafLogits, beta: beta[0] });
      tf.tidy(() => tree.alphaAverage.assign(tf.tensor1d(alphaAverage)));
    },
  };
}
