/**
 * A classic axis-aligned CART classifier (Gini impurity): the baseline the soft trees are
 * compared with. `ml-cart` did not finish a depth-8 tree on 5,000 MNIST images in ten
 * minutes; this one fits all 54,000 in about 3 s at depth 8 and 8 s unlimited, on one core.
 *
 * Every feature is quantised once into at most 256 bins (exact for MNIST's 256 pixel
 * values, so the tree is the one an exact search finds), and no split search sorts floats:
 * large nodes sweep a (bin × class) histogram per feature, small ones counting-sort their
 * examples by bin. The binned columns are kept partitioned so that each node's examples
 * are one contiguous run in every column. Here the tree grows; the binning is in
 * cartBins.ts, the split search in cartSplit.ts, prediction in cartPredict.ts.
 */
import { SdtError } from '../errors.js';
import { binFeatures, splitThreshold } from './cartBins.js';
import { Partition, SplitSearch } from './cartSplit.js';

export interface CartOptions {
  /** Levels of splits below the root; 0 = grow until pure. */
  maxDepth: number;
  /** A node with fewer examples stays a leaf (default 2). */
  minSamplesSplit?: number;
  /** Each child of a split keeps at least this many examples (default 1). */
  minSamplesLeaf?: number;
}

/**
 * A fitted tree as flat node arrays; node 0 is the root and children always have larger
 * indices than their parent. Inner node i sends x left when x[feature[i]] <= threshold[i].
 * Leaves have feature = -1 and left = right = -1.
 */
export interface CartModel {
  features: number;
  numClasses: number;
  feature: Int32Array;
  threshold: Float32Array;
  left: Int32Array;
  right: Int32Array;
  /** [nodes, numClasses]: training examples of each class that reached the node. */
  counts: Float32Array;
}

export interface CartProgress {
  /** The level just finished (0 = the root). */
  depth: number;
  /** Nodes in the tree so far. */
  nodes: number;
}

export function fitCart(
  x: Float32Array,
  y: Int32Array,
  n: number,
  features: number,
  numClasses: number,
  options: CartOptions,
  onProgress?: (info: CartProgress) => void,
): CartModel {
  checkInputs(x, y, n, features, numClasses, options);
  const C = numClasses;
  const maxDepth = options.maxDepth === 0 ? Infinity : options.maxDepth;
  const minSplit = Math.max(2, options.minSamplesSplit ?? 2, 2 * (options.minSamplesLeaf ?? 1));
  const staysLeaf = (counts: Float64Array, m: number, depth: number) =>
    depth >= maxDepth || m < minSplit || Math.max(...counts) === m;

  const data = binFeatures(x, n, features);
  // Every node owns one contiguous range [start, end) of the examples: of `cls` and of each
  // feature's column of codes, which a split partitions stably in place, so the split
  // search reads memory in order. (Gathering a small node's scattered examples from 784
  // columns through an index list took most of the time when tried on MNIST.)
  const cls = Int32Array.from(y.subarray(0, n));
  const search = new SplitSearch(data.codes, n, C, options.minSamplesLeaf ?? 1);
  const partition = new Partition(data.codes, cls, n, C);

  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const counts: number[] = [];

  interface Pending {
    id: number;
    start: number;
    end: number;
    counts: Float64Array;
    /** Features that may vary in this node: constant ones stay constant below. */
    candidates: Int32Array;
  }
  const rootCounts = new Float64Array(C);
  for (let i = 0; i < n; i++) rootCounts[cls[i]]++;
  const varying = data.bins.flatMap((b, f) => (b.upper.length > 1 ? [f] : []));
  let level: Pending[] = [{ id: 0, start: 0, end: n, counts: rootCounts, candidates: Int32Array.from(varying) }];
  let nodeCount = 1;
  // Breadth-first, one level at a time: node ids read level by level, progress is per depth.
  for (let depth = 0; level.length > 0; depth++) {
    const next: Pending[] = [];
    for (const node of level) {
      const { id, start, end } = node;
      for (let c = 0; c < C; c++) counts[id * C + c] = node.counts[c];
      feature[id] = -1;
      threshold[id] = 0;
      left[id] = -1;
      right[id] = -1;
      if (staysLeaf(node.counts, end - start, depth)) continue;
      const split = search.best(cls, start, end, node.counts, node.candidates);
      if (!split) continue;

      const f = split.feature;
      const sides = partition.mark(f, split.bin, start, end);
      const mid = start + sides.leftSize;
      // A child that will be a leaf is never searched, so its examples need not be in place.
      const searchLeft = !staysLeaf(sides.leftCounts, mid - start, depth + 1);
      const searchRight = !staysLeaf(sides.rightCounts, end - mid, depth + 1);
      if (searchLeft || searchRight) partition.apply(split.varying, start, end, sides.leftSize, searchLeft, searchRight);
      feature[id] = f;
      threshold[id] = splitThreshold(data.bins[f], split.bin);
      left[id] = nodeCount++;
      right[id] = nodeCount++;
      next.push(
        { id: left[id], start, end: mid, counts: sides.leftCounts, candidates: split.varying },
        { id: right[id], start: mid, end, counts: sides.rightCounts, candidates: split.varying },
      );
    }
    onProgress?.({ depth, nodes: nodeCount });
    level = next;
  }

  return cartModel(features, numClasses, { feature, threshold, left, right, counts });
}

/** A CartModel from its node arrays in any numeric form (growth buffers, parsed JSON). */
export function cartModel(
  features: number,
  numClasses: number,
  nodes: Record<'feature' | 'threshold' | 'left' | 'right' | 'counts', ArrayLike<number>>,
): CartModel {
  return {
    features,
    numClasses,
    feature: Int32Array.from(nodes.feature),
    threshold: Float32Array.from(nodes.threshold),
    left: Int32Array.from(nodes.left),
    right: Int32Array.from(nodes.right),
    counts: Float32Array.from(nodes.counts),
  };
}

function checkInputs(x: Float32Array, y: Int32Array, n: number, features: number, numClasses: number, options: CartOptions): void {
  if (!Number.isInteger(n) || n < 1) throw new SdtError(`A tree needs at least one training example (got n = ${n}).`);
  if (!Number.isInteger(features) || features < 1) throw new SdtError(`A tree needs at least one feature (got ${features}).`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new SdtError(`A tree needs at least one class (got ${numClasses}).`);
  if (x.length !== n * features) throw new SdtError(`Training inputs hold ${x.length} values, expected ${n} × ${features}.`);
  if (y.length < n) throw new SdtError(`Training labels hold ${y.length} values, expected ${n}.`);
  for (let i = 0; i < n; i++) {
    const label = y[i];
    if (label < 0 || label >= numClasses) throw new SdtError(`Training label ${label} of example ${i} is outside 0–${numClasses - 1}.`);
  }
  const { maxDepth, minSamplesSplit = 2, minSamplesLeaf = 1 } = options;
  if (!Number.isInteger(maxDepth) || maxDepth < 0) throw new SdtError(`Tree depth must be a whole number ≥ 0 (0 = unlimited), got ${maxDepth}.`);
  if (!Number.isInteger(minSamplesSplit) || minSamplesSplit < 2) throw new SdtError(`minSamplesSplit must be a whole number ≥ 2, got ${minSamplesSplit}.`);
  if (!Number.isInteger(minSamplesLeaf) || minSamplesLeaf < 1) throw new SdtError(`minSamplesLeaf must be a whole number ≥ 1, got ${minSamplesLeaf}.`);
}
