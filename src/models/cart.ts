/**
 * A classic axis-aligned CART classifier (Gini impurity): the baseline the soft trees are
 * compared with. `ml-cart` did not finish a depth-8 tree on 5,000 MNIST images in ten
 * minutes, so this one searches splits on histograms: every feature is quantised once into
 * at most 256 bins, and a node's best split is one sweep over each feature's
 * (bin × class) counts. MNIST pixels take 256 values, so there the bins are exact.
 */
import { SdtError } from '../errors.js';

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

const MAX_BINS = 256;

/** The training values of one feature's bins, ascending: each bin holds values in [lower, upper]. */
interface FeatureBins {
  lower: Float32Array;
  upper: Float32Array;
}

interface BinnedData {
  /** [features, n], feature-major so that one feature's histogram is built from one contiguous run. */
  codes: Uint8Array;
  bins: FeatureBins[];
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
  const maxDepth = options.maxDepth === 0 ? Infinity : options.maxDepth;
  const minSplit = Math.max(2, options.minSamplesSplit ?? 2);
  const minLeaf = options.minSamplesLeaf ?? 1;
  const data = binFeatures(x, n, features);
  const C = numClasses;

  // Every node owns a contiguous range of `order`; a split partitions its range stably.
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const cls = Int32Array.from(y.subarray(0, n)); // cls[j] = y[order[j]], kept in step with order
  const scratch = { order: new Int32Array(n), cls: new Int32Array(n) };

  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const counts: number[] = [];
  const search = new SplitSearch(data, n, C, minLeaf);

  interface Pending { id: number; start: number; end: number }
  let level: Pending[] = [{ id: 0, start: 0, end: n }];
  let nodeCount = 1;
  // Breadth-first, one level at a time, so node ids read level by level and progress is per depth.
  for (let depth = 0; level.length > 0; depth++) {
    const next: Pending[] = [];
    for (const { id, start, end } of level) {
      const m = end - start;
      const nodeCounts = new Float64Array(C);
      for (let j = start; j < end; j++) nodeCounts[cls[j]]++;
      for (let c = 0; c < C; c++) counts[id * C + c] = nodeCounts[c];
      feature[id] = -1;
      threshold[id] = 0;
      left[id] = -1;
      right[id] = -1;

      const pure = Math.max(...nodeCounts) === m;
      if (pure || depth >= maxDepth || m < minSplit || m < 2 * minLeaf) continue;
      const split = search.best(order, cls, start, end, nodeCounts);
      if (!split) continue;

      const f = split.feature;
      const mid = start + partition(data.codes, f * n, split.bin, order, cls, scratch, start, end);
      feature[id] = f;
      threshold[id] = splitThreshold(data.bins[f], split.bin);
      left[id] = nodeCount++;
      right[id] = nodeCount++;
      next.push({ id: left[id], start, end: mid }, { id: right[id], start: mid, end });
    }
    onProgress?.({ depth, nodes: nodeCount });
    level = next;
  }

  return {
    features,
    numClasses,
    feature: Int32Array.from(feature),
    threshold: Float32Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    counts: Float32Array.from(counts),
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

// ---------------------------------------------------------------------------------------
// Binning

/**
 * Quantises every feature into at most 256 bins. A feature with ≤ 256 distinct training
 * values gets one bin per value (exact: the tree is the one an exact search would find);
 * otherwise bins hold roughly equal numbers of examples (quantiles).
 */
function binFeatures(x: Float32Array, n: number, features: number): BinnedData {
  const codes = new Uint8Array(features * n);
  const bins: FeatureBins[] = [];
  const BLOCK = 32;
  const block = new Int32Array(BLOCK * n); // [BLOCK, n] float32 bit patterns
  const table = new DistinctTable();
  for (let f0 = 0; f0 < features; f0 += BLOCK) {
    const width = Math.min(BLOCK, features - f0);
    transposeBits(new Int32Array(x.buffer, x.byteOffset, x.length), block, n, features, f0, width);
    for (let k = 0; k < width; k++) {
      const f = f0 + k;
      const bits = block.subarray(k * n, (k + 1) * n);
      checkFinite(bits, f);
      const out = codes.subarray(f * n, (f + 1) * n);
      const values = new Float32Array(bits.buffer, bits.byteOffset, n);
      bins.push(table.collect(bits) ? table.exactBins(bits, out) : quantileBins(values, out));
    }
  }
  return { codes, bins };
}

/**
 * Copies columns f0..f0+width of row-major x into block[k, i], in tiles of 256 rows so
 * the cache lines of a tile are still cached when the next column reads them (a plain
 * column-by-column copy took 3× as long on full MNIST).
 */
function transposeBits(xBits: Int32Array, block: Int32Array, n: number, features: number, f0: number, width: number): void {
  const TILE = 256;
  for (let r0 = 0; r0 < n; r0 += TILE) {
    const r1 = Math.min(n, r0 + TILE);
    for (let k = 0; k < width; k++) {
      const o = k * n;
      for (let i = r0, src = r0 * features + f0 + k; i < r1; i++, src += features) block[o + i] = xBits[src];
    }
  }
}

/** Throws on NaN or ±Infinity; turns −0 into +0, since the distinct-value table keys on bits. */
function checkFinite(bits: Int32Array, feature: number): void {
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i];
    if ((b & 0x7f800000) === 0x7f800000) {
      const value = new Float32Array(Int32Array.of(b).buffer)[0];
      throw new SdtError(`Training input ${i}, feature ${feature} is ${value}; trees need finite inputs.`);
    }
    if (b === -0x80000000) bits[i] = 0;
  }
}

/** An open-addressing set of float32 bit patterns that gives up beyond 256 members. */
class DistinctTable {
  private readonly keys = new Int32Array(1024);
  private readonly slot = new Int32Array(1024); // bin index once the values are sorted
  private readonly used = new Uint8Array(1024);
  private values: number[] = [];

  /** Collects the distinct values of a column; false when there are more than 256. */
  collect(bits: Int32Array): boolean {
    this.used.fill(0);
    this.values = [];
    let last = 0x7fc00000; // NaN's bits: never a value here. Runs of one value (zeros in images) skip the lookup
    for (let i = 0; i < bits.length; i++) {
      const b = bits[i];
      if (b === last) continue;
      last = b;
      let h = Math.imul(b, 0x9e3779b1) >>> 22;
      while (this.used[h] && this.keys[h] !== b) h = (h + 1) & 1023;
      if (this.used[h]) continue;
      if (this.values.length === MAX_BINS) return false;
      this.used[h] = 1;
      this.keys[h] = b;
      this.values.push(b);
    }
    return true;
  }

  /** One bin per collected value; writes each example's bin to `out`. */
  exactBins(bits: Int32Array, out: Uint8Array): FeatureBins {
    const sorted = new Float32Array(Int32Array.from(this.values).buffer).sort();
    const sortedBits = new Int32Array(sorted.buffer);
    for (let b = 0; b < sorted.length; b++) this.slot[this.find(sortedBits[b])] = b;
    let last = 0x7fc00000;
    let code = 0;
    for (let i = 0; i < bits.length; i++) {
      const b = bits[i];
      if (b !== last) {
        last = b;
        code = this.slot[this.find(b)];
      }
      out[i] = code;
    }
    return { lower: sorted, upper: sorted };
  }

  private find(b: number): number {
    let h = Math.imul(b, 0x9e3779b1) >>> 22;
    while (this.keys[h] !== b || !this.used[h]) h = (h + 1) & 1023;
    return h;
  }
}

/** Up to 256 bins with about n/256 examples each; a value repeated more than that fills a bin alone. */
function quantileBins(column: Float32Array, out: Uint8Array): FeatureBins {
  const n = column.length;
  const sorted = column.slice().sort();
  const upper: number[] = [];
  for (let k = 1; k <= MAX_BINS; k++) {
    const v = sorted[Math.ceil((k * n) / MAX_BINS) - 1];
    if (upper.length === 0 || v > upper[upper.length - 1]) upper.push(v);
  }
  const lower = upper.map((_, b) => (b === 0 ? sorted[0] : sorted[upperBound(sorted, upper[b - 1])]));
  const up = Float32Array.from(upper);
  for (let i = 0; i < n; i++) out[i] = lowerBound(up, column[i]);
  return { lower: Float32Array.from(lower), upper: up };
}

/** First index whose value is > v. */
function upperBound(sorted: Float32Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is >= v. */
function lowerBound(sorted: Float32Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The real-valued threshold of a split after `bin`: halfway between the largest training
 * value of that bin and the smallest of the next, so raw inputs route exactly as their bins
 * did in training. If the midpoint rounds up to the next value in float32, the bin's own
 * largest value keeps `x <= threshold` exact.
 */
function splitThreshold(bins: FeatureBins, bin: number): number {
  const below = bins.upper[bin];
  const above = bins.lower[bin + 1];
  const mid = Math.fround((below + above) / 2);
  return mid < above ? mid : below;
}

// ---------------------------------------------------------------------------------------
// Split search

interface Split {
  feature: number;
  /** Examples in bins 0..bin go left. */
  bin: number;
}

/**
 * Nodes with at least this many examples count (bin × class) histograms; smaller ones
 * sort their examples by bin instead, since sweeping a histogram costs O(bins × classes)
 * per feature however few examples there are (measured on MNIST, 784 features, 10 classes).
 */
const HISTOGRAM_MIN_EXAMPLES = 2048;
/** Below this many examples an insertion sort beats a counting sort over 256 bins. */
const INSERTION_SORT_MAX = 32;

/**
 * Finds the best Gini split of a node and holds the buffers every node reuses.
 *
 * Minimising the weighted Gini impurity nL·(1 − Σ(L_c/nL)²) + nR·(1 − Σ(R_c/nR)²) is the
 * same as maximising ΣL_c²/nL + ΣR_c²/nR; the sums of squares are updated as examples move
 * left, exactly (they are integers), so both sweeps below score a split identically.
 * A split that only ties the parent is still taken (as scikit-learn does): XOR needs one.
 * Ties go to the lowest feature, then the lowest bin.
 */
class SplitSearch {
  private readonly hist: Int32Array; // [bin, class] of one feature
  private readonly total = new Int32Array(MAX_BINS); // examples per bin, then bin ends
  private readonly leftCounts: Float64Array;
  private readonly rightCounts: Float64Array;
  private readonly binOf = new Uint8Array(HISTOGRAM_MIN_EXAMPLES); // node examples' bins, in order
  private readonly sortedBin = new Uint8Array(HISTOGRAM_MIN_EXAMPLES);
  private readonly sortedCls = new Int32Array(HISTOGRAM_MIN_EXAMPLES);
  private parentSq = 0;
  private bestScore = 0;
  private bestFeature = -1;
  private bestBin = -1;

  constructor(
    private readonly data: BinnedData,
    private readonly n: number,
    private readonly numClasses: number,
    private readonly minLeaf: number,
  ) {
    this.hist = new Int32Array(MAX_BINS * numClasses);
    this.leftCounts = new Float64Array(numClasses);
    this.rightCounts = new Float64Array(numClasses);
  }

  best(order: Int32Array, cls: Int32Array, start: number, end: number, nodeCounts: Float64Array): Split | null {
    const C = this.numClasses;
    this.parentSq = 0;
    for (let c = 0; c < C; c++) this.parentSq += nodeCounts[c] * nodeCounts[c];
    this.bestScore = 0;
    this.bestFeature = -1;
    this.bestBin = -1;
    const m = end - start;
    const { bins } = this.data;
    for (let f = 0; f < bins.length; f++) {
      const binCount = bins[f].upper.length;
      if (binCount < 2) continue;
      if (m >= HISTOGRAM_MIN_EXAMPLES) {
        this.sweepHistogram(f, binCount, order, cls, start, end, nodeCounts);
      } else {
        if (m <= INSERTION_SORT_MAX) this.insertionSortByBin(f, order, cls, start, end);
        else this.countingSortByBin(f, binCount, order, cls, start, end);
        this.sweepSorted(f, m, nodeCounts);
      }
    }
    return this.bestFeature < 0 ? null : { feature: this.bestFeature, bin: this.bestBin };
  }

  private consider(score: number, feature: number, bin: number): void {
    // Sums taken in different orders can differ in the last bits; treat those as ties.
    if (this.bestFeature < 0 || score > this.bestScore + 1e-12 * this.bestScore) {
      this.bestScore = score;
      this.bestFeature = feature;
      this.bestBin = bin;
    }
  }

  /** O(examples + bins × classes): count a histogram, then move one bin at a time left. */
  private sweepHistogram(f: number, binCount: number, order: Int32Array, cls: Int32Array, start: number, end: number, nodeCounts: Float64Array): void {
    const { hist, total, leftCounts: L, rightCounts: R, numClasses: C, minLeaf } = this;
    const codes = this.data.codes;
    const base = f * this.n;
    const m = end - start;
    for (let j = start; j < end; j++) {
      const b = codes[base + order[j]];
      hist[b * C + cls[j]]++;
      total[b]++;
    }
    L.fill(0);
    R.set(nodeCounts);
    let sqL = 0;
    let sqR = this.parentSq;
    let nL = 0;
    for (let b = 0; b < binCount - 1; b++) {
      const t = total[b];
      if (t === 0) continue;
      for (let c = 0, o = b * C; c < C; c++, o++) {
        const k = hist[o];
        if (k === 0) continue;
        sqL += k * (2 * L[c] + k);
        sqR -= k * (2 * R[c] - k);
        L[c] += k;
        R[c] -= k;
      }
      nL += t;
      const nR = m - nL;
      if (nR === 0) break; // every example is already left: no split in this feature
      if (nL < minLeaf) continue;
      if (nR < minLeaf) break;
      this.consider(sqL / nL + sqR / nR, f, b);
    }
    hist.fill(0, 0, binCount * C);
    total.fill(0, 0, binCount);
  }

  /** Fills sortedBin/sortedCls with the node's examples ordered by their bin of feature f. */
  private countingSortByBin(f: number, binCount: number, order: Int32Array, cls: Int32Array, start: number, end: number): void {
    const { total, binOf, sortedBin, sortedCls } = this;
    const codes = this.data.codes;
    const base = f * this.n;
    const m = end - start;
    for (let k = 0; k < m; k++) {
      const b = codes[base + order[start + k]];
      binOf[k] = b;
      total[b]++;
    }
    for (let b = 0, position = 0; b < binCount; b++) {
      const t = total[b];
      total[b] = position;
      position += t;
    }
    for (let k = 0; k < m; k++) {
      const b = binOf[k];
      const p = total[b]++;
      sortedBin[p] = b;
      sortedCls[p] = cls[start + k];
    }
    total.fill(0, 0, binCount);
  }

  private insertionSortByBin(f: number, order: Int32Array, cls: Int32Array, start: number, end: number): void {
    const { sortedBin, sortedCls } = this;
    const codes = this.data.codes;
    const base = f * this.n;
    for (let k = 0; k < end - start; k++) {
      const b = codes[base + order[start + k]];
      const c = cls[start + k];
      let p = k;
      for (; p > 0 && sortedBin[p - 1] > b; p--) {
        sortedBin[p] = sortedBin[p - 1];
        sortedCls[p] = sortedCls[p - 1];
      }
      sortedBin[p] = b;
      sortedCls[p] = c;
    }
  }

  /** O(examples): move one example at a time left, scoring where the bin changes. */
  private sweepSorted(f: number, m: number, nodeCounts: Float64Array): void {
    const { sortedBin, sortedCls, leftCounts: L, rightCounts: R, minLeaf } = this;
    if (sortedBin[0] === sortedBin[m - 1]) return; // constant in this node
    L.fill(0);
    R.set(nodeCounts);
    let sqL = 0;
    let sqR = this.parentSq;
    for (let k = 0; k < m - 1; k++) {
      const c = sortedCls[k];
      sqL += 2 * L[c] + 1;
      sqR -= 2 * R[c] - 1;
      L[c]++;
      R[c]--;
      if (sortedBin[k + 1] === sortedBin[k]) continue;
      const nL = k + 1;
      const nR = m - nL;
      if (nL < minLeaf) continue;
      if (nR < minLeaf) break;
      this.consider(sqL / nL + sqR / nR, f, sortedBin[k]);
    }
  }
}

/**
 * Stable in-place partition of order[start..end) (and cls alongside): examples whose code
 * is <= bin first. Returns how many went left.
 */
function partition(
  codes: Uint8Array,
  base: number,
  bin: number,
  order: Int32Array,
  cls: Int32Array,
  scratch: { order: Int32Array; cls: Int32Array },
  start: number,
  end: number,
): number {
  let l = start;
  let r = 0;
  for (let j = start; j < end; j++) {
    const i = order[j];
    if (codes[base + i] <= bin) {
      order[l] = i;
      cls[l] = cls[j];
      l++;
    } else {
      scratch.order[r] = i;
      scratch.cls[r] = cls[j];
      r++;
    }
  }
  order.set(scratch.order.subarray(0, r), l);
  cls.set(scratch.cls.subarray(0, r), l);
  return l - start;
}

// ---------------------------------------------------------------------------------------
// Prediction

/** The leaf each example of x ([n, features]) reaches. */
export function cartLeaves(model: CartModel, x: Float32Array, n: number): Int32Array {
  const { features, feature, threshold, left, right } = model;
  if (x.length < n * features) throw new SdtError(`Inputs hold ${x.length} values, expected ${n} × ${features}.`);
  const leaves = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * features;
    let node = 0;
    while (feature[node] >= 0) node = x[row + feature[node]] <= threshold[node] ? left[node] : right[node];
    leaves[i] = node;
  }
  return leaves;
}

/** The majority training class of each example's leaf (ties: lowest class). */
export function predictCart(model: CartModel, x: Float32Array, n: number): Int32Array {
  const { counts, numClasses: C } = model;
  const leaves = cartLeaves(model, x, n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const o = leaves[i] * C;
    let best = 0;
    for (let c = 1; c < C; c++) if (counts[o + c] > counts[o + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** [n, numClasses]: the training class distribution of each example's leaf. */
export function predictProbaCart(model: CartModel, x: Float32Array, n: number): Float32Array {
  const { counts, numClasses: C } = model;
  const leaves = cartLeaves(model, x, n);
  const out = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    const o = leaves[i] * C;
    let sum = 0;
    for (let c = 0; c < C; c++) sum += counts[o + c];
    for (let c = 0; c < C; c++) out[i * C + c] = sum > 0 ? counts[o + c] / sum : 1 / C;
  }
  return out;
}

export function cartLeafCount(model: CartModel): number {
  let leaves = 0;
  for (let i = 0; i < model.feature.length; i++) if (model.feature[i] < 0) leaves++;
  return leaves;
}

/** Levels of splits on the longest path (a lone leaf has depth 0). */
export function cartDepth(model: CartModel): number {
  const depth = new Int32Array(model.feature.length);
  let deepest = 0;
  // Children have larger indices than their parent, so one forward pass suffices.
  for (let i = 0; i < model.feature.length; i++) {
    if (model.feature[i] < 0) continue;
    depth[model.left[i]] = depth[model.right[i]] = depth[i] + 1;
    deepest = Math.max(deepest, depth[i] + 1);
  }
  return deepest;
}
