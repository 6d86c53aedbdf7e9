/**
 * Runs an sdt-tree/1 or /2 file without TensorFlow.js: typed arrays and double precision, for
 * explanations, pruning, counterfactuals and checking the tfjs model. The arithmetic is
 * treeRule.ts's, the same source the page and the JS export embed.
 */
import type { TreeFile } from './treeFile.js';
import { preprocessRows } from '../data/dataset.js';
import { createTreeRule } from './treeRule.js';
import { treeStructure } from './treeStructure.js';

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
  /** How many inner nodes the search evaluated. */
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
  const weights = new Float32Array(file.inner.weights.length * F); // row i is node i's filter
  file.inner.weights.forEach((w, i) => weights.set(w, i * F));
  const rule = createTreeRule(weights, file.inner.biases, file.beta, file.leaves.logits, F, treeStructure(file));
  return {
    features: F,
    classes: rule.classes,
    leafDistributions: rule.leafDistributions,
    leafClasses: rule.leafClasses,
    preprocess: (raw) => preprocessRows(raw, F, file.preprocessing),
    predict: rule.predict,
    maxPath: rule.maxPath,
  };
}

/** Every row of a split (already preprocessed, [n, features]) through the predictor. */
export function predictRows(predictor: TreePredictor, split: { x: Float32Array; n: number }): TreePrediction[] {
  const F = predictor.features;
  return Array.from({ length: split.n }, (_, i) => predictor.predict(split.x.subarray(i * F, (i + 1) * F)));
}
