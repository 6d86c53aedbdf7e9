/**
 * One example's explanation: the max path from the root to the leaf of greatest path
 * probability, and at each inner node on it the input, the filter, their elementwise
 * product (what pushed the decision), the logit and the branch probability.
 */
import type { TreeFile } from '../src/models/treeFile.js';
import type { TreePrediction, TreePredictor } from '../src/models/treePredictor.js';
import { pathTo, treeStructure } from '../src/models/treeStructure.js';

export interface PathStep {
  node: number;
  /** x ⊙ w_i, one value per input. */
  product: Float64Array;
  /** β(x·w_i + b_i) and p_i = σ of it (probability of going right). */
  logit: number;
  p: number;
  right: boolean;
}

export interface Explanation {
  /** The preprocessed input (what the model sees), and the raw values it came from. */
  x: Float32Array;
  raw: Float64Array;
  prediction: TreePrediction;
  steps: PathStep[];
  /** Node number of the chosen leaf, and its path probability P^ℓ(x). */
  leafNode: number;
  pathProbability: number;
  /** Every node on the max path, root first, leaf last. */
  path: number[];
  /** The true class when known (a test example), and where the input came from. */
  label?: number;
  source: string;
}

export function explain(file: TreeFile, predictor: TreePredictor, x: Float32Array, source: string, label?: number): Explanation {
  const prediction = predictor.predict(x);
  const leafNode = treeStructure(file).inner + prediction.leaf;
  const steps = pathTo(treeStructure(file), leafNode).map(({ node, right }) => {
    const w = file.inner.weights[node];
    const product = Float64Array.from(w, (v, j) => v * x[j]);
    return { node, product, logit: logitOf(file, node, x), p: prediction.branch[node], right };
  });
  return {
    x,
    raw: rawOf(file, x),
    prediction,
    steps,
    leafNode,
    pathProbability: Math.exp(prediction.logPath[leafNode]),
    path: [...steps.map((s) => s.node), leafNode],
    ...(label === undefined ? {} : { label }),
    source,
  };
}

/** β(x·w_i + b_i), the logit whose sigmoid is p_i (exact even where p_i rounds to 0 or 1). */
function logitOf(file: TreeFile, node: number, x: Float32Array): number {
  const w = file.inner.weights[node];
  let dot = file.inner.biases[node];
  for (let j = 0; j < w.length; j++) dot += w[j] * x[j];
  return file.beta * dot;
}

/** Undoes the file's preprocessing (x = raw · scale + offset), for labels in the user's units. */
function rawOf(file: TreeFile, x: Float32Array): Float64Array {
  const { scale, offset } = file.preprocessing;
  const at = (p: number | number[], j: number) => (typeof p === 'number' ? p : p[j]);
  return Float64Array.from(x, (v, j) => (at(scale, j) !== 0 ? (v - at(offset, j)) / at(scale, j) : v));
}
