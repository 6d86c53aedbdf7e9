/**
 * Runs an sdt-tree/1 file without TensorFlow.js: typed arrays and double precision, for
 * explanations, embedding and checking the tfjs model.
 */
import type { TreeFile } from './treeFile.js';
import { innerCount } from './treeNodes.js';
import { createTreeRule } from './treeRule.js';

export interface TreePrediction {
  /** The leaf of greatest path probability (0-based leaf number) and its top class. */
  leaf: number;
  maxPathClass: number;
  /** Q^ℓ of that leaf. */
  leafDistribution: Float64Array;
  /** Σ_ℓ P^ℓ(x) Q^ℓ and its top class. */
  mixture: Float64Array;
  mixtureClass: number;
  /** p_i(x), the probability of going right, for every inner node. */
  branch: Float64Array;
  /** log P^t(x) for every node t (inner nodes, then leaves). */
  logPath: Float64Array;
}

/** The explanation of one example: its max path, found without evaluating the whole tree. */
export interface MaxPath {
  leaf: number;
  maxPathClass: number;
  leafDistribution: Float64Array;
  /** log P^ℓ(x) of that leaf. */
  logProbability: number;
  /** Root first: each inner node on the path, p_i(x), and whether the path turns right. */
  steps: { node: number; probabilityRight: number; right: boolean }[];
  /** How many inner nodes the search evaluated (of 2^D − 1). */
  evaluated: number;
}

export interface TreePredictor {
  features: number;
  classes: number;
  /** Q^ℓ = softmax(φ^ℓ) of every leaf, and its top class. */
  leafDistributions: Float64Array[];
  leafClasses: number[];
  /** Model input from raw values (pixels 0–255, CSV numbers) via the file's preprocessing. */
  preprocess(raw: ArrayLike<number>): Float32Array;
  predict(x: ArrayLike<number>): TreePrediction;
  maxPath(x: ArrayLike<number>): MaxPath;
}

export function createTreePredictor(file: TreeFile): TreePredictor {
  const F = file.inputShape.reduce((a, b) => a * b, 1);
  const weights = new Float32Array(innerCount(file.depth) * F); // row i is node i's filter
  file.inner.weights.forEach((w, i) => weights.set(w, i * F));
  const rule = createTreeRule(weights, file.inner.biases, file.beta, file.leaves.logits, F);
  const { leafDistributions: Q, leafClasses: leafClass } = rule;
  const I = rule.innerCount;
  const { scale, offset } = file.preprocessing;
  const at = (p: number | number[], j: number) => (typeof p === 'number' ? p : p[j]);

  return {
    features: F,
    classes: rule.classes,
    leafDistributions: Q,
    leafClasses: leafClass,
    preprocess: (raw) => Float32Array.from({ length: F }, (_, j) => raw[j] * at(scale, j) + at(offset, j)),
    predict(x) {
      const { branch, logPath, leafNode, mixture, mixtureClass } = rule.predict(x);
      const leaf = leafNode - I;
      return { leaf, maxPathClass: leafClass[leaf], leafDistribution: Q[leaf], mixture, mixtureClass, branch, logPath };
    },
    maxPath(x) {
      const { leafNode, logProbability, steps, evaluated } = rule.maxPath(x);
      const leaf = leafNode - I;
      return { leaf, maxPathClass: leafClass[leaf], leafDistribution: Q[leaf], logProbability, steps, evaluated };
    },
  };
}

/** Every row of a split (already preprocessed, [n, features]) through the predictor. */
export function predictRows(predictor: TreePredictor, split: { x: Float32Array; n: number }): TreePrediction[] {
  const F = predictor.features;
  return Array.from({ length: split.n }, (_, i) => predictor.predict(split.x.subarray(i * F, (i + 1) * F)));
}
