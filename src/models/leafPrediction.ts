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
 * The max-path predictions of `rows` examples from every node's path probability P^t(x)
 * [rows, I + L] (pathsForward, pathProbabilities.ts), written into `out` from example `start`
 * on, and the leaves' P^ℓ(x) into `leafPaths` [rows, L] (for the mixture, a product on the
 * backend).
 */
export function maxPathRows(paths: Float32Array, rows: number, inner: number, leafClass: Int32Array, out: TreePredictions, start: number, leafPaths: Float32Array): void {
  const [leaves, nodes] = [inner + 1, 2 * inner + 1];
  for (let r = 0; r < rows; r++) {
    const o = r * nodes + inner; // the first leaf of example r
    let best = 0;
    for (let l = 1; l < leaves; l++) if (paths[o + l] > paths[o + best]) best = l;
    const e = start + r;
    out.leaf[e] = best;
    out.leafProbability[e] = paths[o + best];
    out.maxPath[e] = leafClass[best];
    leafPaths.set(paths.subarray(o, o + leaves), r * leaves);
  }
}
