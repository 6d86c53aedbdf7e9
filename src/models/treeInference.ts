/**
 * The soft tree's batch predictions from its one large product a = x·W, in one pass over
 * typed arrays: branch and path probabilities, the max-path leaf and its class, and the
 * mixture Σ_ℓ P^ℓ Q^ℓ. As tensor ops (sigmoid, the path op, softmax, argMax, max, gather,
 * a second product, argMax) each was a wasm kernel call and a copy; here the product is
 * the only backend work.
 */
import { branchProbabilities, pathsForward } from './pathProbabilities.js';
import { leafLogSoftmax } from './treeLoss.js';

export interface TreePredictions {
  leaf: Int32Array;
  maxPath: Int32Array;
  mixture: Int32Array;
  /** P^ℓ(x) of the chosen leaf: how much of the tree's probability its max path carries. */
  leafProbability: Float32Array;
  /** Σ_ℓ P^ℓ Q^ℓ per example, [n, K]. */
  mixtureProbabilities: Float32Array;
}

export interface TreeValues {
  biases: Float32Array;
  beta: number;
  /** φ [L, K]. */
  leafLogits: Float32Array;
}

/** Predictions of n examples from a = x·W [n, I]; the first maximum wins ties, as tf.argMax. */
export function predictFromProduct(a: Float32Array, n: number, tree: TreeValues): TreePredictions {
  const inner = tree.biases.length;
  const leaves = inner + 1;
  const nodes = inner + leaves;
  const K = tree.leafLogits.length / leaves;
  const { p, q } = branchProbabilities(a, tree.biases, tree.beta, n, inner); // p_i = σ(β(x·w_i + b_i))
  const paths = pathsForward(p, q, n, inner); // P^t(x)
  const { Q } = leafLogSoftmax(tree.leafLogits, leaves, K); // Q^ℓ = softmax(φ^ℓ)
  const leafClass = Int32Array.from({ length: leaves }, (_, l) => argMax(Q, l * K, K));
  const out: TreePredictions = {
    leaf: new Int32Array(n),
    maxPath: new Int32Array(n),
    mixture: new Int32Array(n),
    leafProbability: new Float32Array(n),
    mixtureProbabilities: new Float32Array(n * K),
  };
  const mixture = new Float64Array(K);
  for (let r = 0; r < n; r++) {
    const o = r * nodes + inner;
    const leaf = argMax(paths, o, leaves);
    out.leaf[r] = leaf;
    out.leafProbability[r] = paths[o + leaf];
    out.maxPath[r] = leafClass[leaf];
    mixture.fill(0);
    for (let l = 0; l < leaves; l++) {
      const weight = paths[o + l];
      for (let k = 0; k < K; k++) mixture[k] += weight * Q[l * K + k]; // Σ_ℓ P^ℓ Q^ℓ_k
    }
    out.mixtureProbabilities.set(mixture, r * K);
    out.mixture[r] = argMax(mixture, 0, K);
  }
  return out;
}

/** Offset (from `from`) of the first greatest of `count` values. */
function argMax(values: ArrayLike<number>, from: number, count: number): number {
  let best = 0;
  for (let i = 1; i < count; i++) if (values[from + i] > values[from + best]) best = i;
  return best;
}
