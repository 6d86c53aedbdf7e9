/**
 * Everything a soft tree predicts after its one large product, for a batch of examples, in
 * one pass over typed arrays: the path probabilities, the max-path leaf and its class, and
 * the mixture Σ_ℓ P^ℓ(x) Q^ℓ with its class.
 *
 * As tensor ops this was a dozen small kernels per batch (slice, softmax, argMax, max,
 * gather, a second product, argMax, five reads), plus the whole [n, I + L] path matrix
 * copied onto the wasm heap and back; together they took longer than the product x·W.
 */

/** Per example: the max-path leaf, its class and probability, the mixture and its class. */
export interface TreePredictions {
  leaf: Int32Array;
  maxPath: Int32Array;
  mixture: Int32Array;
  /** P^ℓ(x) of the chosen leaf: how much of the tree's probability its max path carries. */
  leafProbability: Float32Array;
  /** Σ_ℓ P^ℓ Q^ℓ per example, [n, K]. */
  mixtureProbabilities: Float32Array;
}

/** Arrays for `n` examples and K classes. */
export function emptyPredictions(n: number, K: number): TreePredictions {
  return {
    leaf: new Int32Array(n),
    maxPath: new Int32Array(n),
    mixture: new Int32Array(n),
    leafProbability: new Float32Array(n),
    mixtureProbabilities: new Float32Array(n * K),
  };
}

/**
 * The max-path predictions of `rows` examples from their branch probabilities p = σ(z),
 * q = σ(−z) [rows, I], written into `out` from example `start` on, and the leaves' path
 * probabilities P^ℓ(x) into `leafPaths` [rows, L] (for the mixture, a product on the
 * backend). The path probabilities are the float32 products of pathsForward
 * (pathProbabilities.ts), so the leaf and its probability are exactly those of the path matrix.
 */
export function maxPathRows(p: Float32Array, q: Float32Array, rows: number, inner: number, leafClass: Int32Array, out: TreePredictions, start: number, leafPaths: Float32Array): void {
  const leaves = inner + 1;
  const paths = new Float32Array(2 * inner + 1); // one example's P^t, every node
  for (let r = 0; r < rows; r++) {
    const b = r * inner;
    paths[0] = 1;
    for (let i = 0; i < inner; i++) {
      paths[2 * i + 1] = paths[i] * q[b + i];
      paths[2 * i + 2] = paths[i] * p[b + i];
    }
    let best = 0;
    for (let l = 1; l < leaves; l++) if (paths[inner + l] > paths[inner + best]) best = l;
    const e = start + r;
    out.leaf[e] = best;
    out.leafProbability[e] = paths[inner + best];
    out.maxPath[e] = leafClass[best];
    leafPaths.set(paths.subarray(inner), r * leaves);
  }
}
