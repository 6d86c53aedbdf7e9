/**
 * How a set of examples flows through the tree: for every node, the share of examples
 * whose max path (the leaf of greatest path probability) passes through it, and their
 * true classes. Edge widths and the per-node class mix come from here.
 */
import type { TreeFile } from '../src/models/treeFile.js';
import type { TreePredictor } from '../src/models/treePredictor.js';
import { treeStructure } from '../src/models/treeStructure.js';

export interface Flow {
  examples: number;
  /** Share of the examples reaching node t (inner nodes, then leaves); 1 at the root. */
  share: Float64Array;
  /** classCounts[t * K + k]: examples of true class k reaching node t. */
  classCounts: Int32Array;
}

export function maxPathFlow(file: TreeFile, predictor: TreePredictor, examples: { x: Float32Array; y: Int32Array; n: number }): Flow {
  const { inner: I, leaves, parent } = treeStructure(file);
  const nodes = I + leaves;
  const K = file.classNames.length;
  const F = predictor.features;
  const counts = new Float64Array(nodes);
  const classCounts = new Int32Array(nodes * K);
  for (let e = 0; e < examples.n; e++) {
    const { leaf } = predictor.predict(examples.x.subarray(e * F, (e + 1) * F));
    for (let t = I + leaf; ; t = parent[t]) {
      counts[t]++;
      classCounts[t * K + examples.y[e]]++;
      if (t === 0) break;
    }
  }
  return { examples: examples.n, share: counts.map((c) => (examples.n > 0 ? c / examples.n : 0)), classCounts };
}

/**
 * Which inputs carry signal: those non-zero in at least `minShare` of the examples. MNIST's
 * border pixels are blank in every image, so whatever weight a filter holds there can never
 * sway a decision; the heatmaps draw such inputs as blank paper.
 */
export function activeInputs(examples: { x: Float32Array; n: number }, features: number, minShare = 0.01): Uint8Array {
  const counts = new Float64Array(features);
  for (let e = 0; e < examples.n; e++) {
    for (let j = 0; j < features; j++) if (examples.x[e * features + j] !== 0) counts[j]++;
  }
  return Uint8Array.from(counts, (c) => (examples.n > 0 && c / examples.n >= minShare ? 1 : 0));
}
