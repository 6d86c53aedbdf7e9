/** CART's split search (Gini, on binned columns) and the partition that keeps each node's examples contiguous. */
import { MAX_BINS } from './cartBins.js';

interface Split {
  feature: number;
  /** Examples in bins 0..bin go left. */
  bin: number;
  /** The candidate features that are not constant in the node. */
  varying: Int32Array;
}

/**
 * Nodes with at least this many examples count (bin × class) histograms; smaller ones
 * sort their examples by bin instead, since sweeping a histogram costs O(bins × classes)
 * per feature however few examples there are (tuned on MNIST: 784 features, 10 classes).
 */
const HISTOGRAM_MIN_EXAMPLES = 2048;
/** Up to this many examples an insertion sort beats a counting sort over the bins. */
const INSERTION_SORT_MAX = 32;

/**
 * Finds the best Gini split of a node and holds the buffers every node reuses.
 *
 * Minimising the weighted Gini impurity nL·(1 − Σ(L_c/nL)²) + nR·(1 − Σ(R_c/nR)²) is the
 * same as maximising ΣL_c²/nL + ΣR_c²/nR. The sums of squares are updated as examples move
 * left, exactly (they are integers below 2^53), so every sweep scores a split identically.
 * A split that only ties the parent is still taken (as scikit-learn does): XOR needs one.
 * Ties go to the lowest feature, then the lowest bin.
 */
export class SplitSearch {
  /** [bin, class] counts of one feature, even and odd examples in separate tables: runs of one bin (zero pixels) would otherwise wait on one counter. */
  private readonly hist: Int32Array[];
  private readonly total = new Int32Array(MAX_BINS); // examples per bin, then where each bin ends
  private readonly leftCounts: Float64Array;
  private readonly rightCounts: Float64Array;
  private readonly sortedBin = new Uint8Array(INSERTION_SORT_MAX);
  private readonly sortedCls = new Int32Array(HISTOGRAM_MIN_EXAMPLES);
  private parentSq = 0;
  private bestScore = 0;
  private bestFeature = -1;
  private bestBin = -1;

  constructor(
    private readonly codes: Uint8Array,
    private readonly n: number,
    private readonly numClasses: number,
    private readonly minLeaf: number,
  ) {
    this.hist = [0, 1].map(() => new Int32Array(MAX_BINS * numClasses));
    this.leftCounts = new Float64Array(numClasses);
    this.rightCounts = new Float64Array(numClasses);
  }

  best(cls: Int32Array, start: number, end: number, nodeCounts: Float64Array, candidates: Int32Array): Split | null {
    this.parentSq = 0;
    for (let c = 0; c < this.numClasses; c++) this.parentSq += nodeCounts[c] * nodeCounts[c];
    this.bestScore = 0;
    this.bestFeature = -1;
    this.bestBin = -1;
    const m = end - start;
    const varying = new Int32Array(candidates.length);
    let count = 0;
    for (const f of candidates) {
      const varies =
        m >= HISTOGRAM_MIN_EXAMPLES
          ? this.sweepHistogram(f, cls, start, end, nodeCounts)
          : m > INSERTION_SORT_MAX
            ? this.sweepCountingSort(f, cls, start, end, nodeCounts)
            : this.sweepInsertionSort(f, cls, start, end, nodeCounts);
      if (varies) varying[count++] = f;
    }
    if (this.bestFeature < 0) return null;
    return { feature: this.bestFeature, bin: this.bestBin, varying: varying.slice(0, count) };
  }

  private consider(score: number, feature: number, bin: number): void {
    // Different splits of mathematically equal score can differ in the last bits; a
    // relative 1e-12 counts them as ties, so the lowest feature and bin win.
    if (this.bestFeature < 0 || score > this.bestScore + 1e-12 * this.bestScore) {
      this.bestScore = score;
      this.bestFeature = feature;
      this.bestBin = bin;
    }
  }

  /** O(examples + bins × classes): count a histogram, then move one bin at a time left. Returns whether f varies. */
  private sweepHistogram(f: number, cls: Int32Array, start: number, end: number, nodeCounts: Float64Array): boolean {
    const { total, leftCounts: L, rightCounts: R, numClasses: C, minLeaf, codes } = this;
    const [hist, h1] = this.hist;
    const column = f * this.n;
    const m = end - start;
    let j = start;
    for (; j + 1 < end; j += 2) {
      hist[codes[column + j] * C + cls[j]]++;
      h1[codes[column + j + 1] * C + cls[j + 1]]++;
    }
    if (j < end) hist[codes[column + j] * C + cls[j]]++;
    for (let b = 0, o = 0; b < MAX_BINS; b++) {
      let t = 0;
      for (let c = 0; c < C; c++, o++) {
        const k = hist[o] + h1[o];
        hist[o] = k;
        t += k;
      }
      total[b] = t;
    }
    h1.fill(0);
    L.fill(0);
    R.set(nodeCounts);
    let sqL = 0;
    let sqR = this.parentSq;
    let nL = 0;
    let varies = false;
    for (let b = 0; b < MAX_BINS - 1; b++) {
      const t = total[b];
      if (t === 0) continue;
      nL += t;
      const nR = m - nL;
      if (nR === 0) break; // every example is left already: nothing to split
      varies = true;
      for (let c = 0, o = b * C; c < C; c++, o++) {
        const k = hist[o];
        if (k === 0) continue;
        sqL += k * (2 * L[c] + k);
        sqR -= k * (2 * R[c] - k);
        L[c] += k;
        R[c] -= k;
      }
      if (nL < minLeaf) continue;
      if (nR < minLeaf) break;
      this.consider(sqL / nL + sqR / nR, f, b);
    }
    hist.fill(0);
    total.fill(0); // the sorting sweeps expect it zeroed
    return varies;
  }

  /**
   * Counting sort of the node's examples by bin, then a sweep that moves one bin at a time
   * left with one class update per example: O(examples + bins spanned). Returns whether f varies.
   */
  private sweepCountingSort(f: number, cls: Int32Array, start: number, end: number, nodeCounts: Float64Array): boolean {
    const { total, sortedCls, leftCounts: L, rightCounts: R, minLeaf, codes } = this;
    const column = f * this.n;
    const m = end - start;
    let low = 255;
    let high = 0;
    for (let j = start; j < end; j++) {
      const b = codes[column + j];
      total[b]++;
      if (b < low) low = b;
      if (b > high) high = b;
    }
    if (low === high) {
      total[low] = 0;
      return false;
    }
    // Only the bins in use: small nodes rarely span all 256.
    for (let b = low, position = 0; b <= high; b++) {
      const t = total[b];
      total[b] = position;
      position += t;
    }
    for (let j = start; j < end; j++) sortedCls[total[codes[column + j]]++] = cls[j];
    // Now total[b] is where bin b ends.
    L.fill(0);
    R.set(nodeCounts);
    let sqL = 0;
    let sqR = this.parentSq;
    let k = 0;
    for (let b = low; b < high; b++) {
      const binEnd = total[b];
      if (binEnd === k) continue;
      for (; k < binEnd; k++) {
        const c = sortedCls[k];
        sqL += 2 * L[c] + 1;
        sqR -= 2 * R[c] - 1;
        L[c]++;
        R[c]--;
      }
      const nR = m - k;
      if (k < minLeaf) continue;
      if (nR < minLeaf) break;
      this.consider(sqL / k + sqR / nR, f, b);
    }
    total.fill(0, low, high + 1);
    return true;
  }

  /** For the smallest nodes: insertion sort by bin, then move one example at a time left. */
  private sweepInsertionSort(f: number, cls: Int32Array, start: number, end: number, nodeCounts: Float64Array): boolean {
    const { sortedBin, sortedCls, leftCounts: L, rightCounts: R, minLeaf, codes } = this;
    const column = f * this.n;
    const m = end - start;
    for (let k = 0; k < m; k++) {
      const b = codes[column + start + k];
      const c = cls[start + k];
      let p = k;
      for (; p > 0 && sortedBin[p - 1] > b; p--) {
        sortedBin[p] = sortedBin[p - 1];
        sortedCls[p] = sortedCls[p - 1];
      }
      sortedBin[p] = b;
      sortedCls[p] = c;
    }
    if (sortedBin[0] === sortedBin[m - 1]) return false;
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
    return true;
  }
}

/** Splits a node's range of the training examples in two, keeping each side in order. */
export class Partition {
  private readonly goesLeft: Uint8Array;
  private readonly source: Int32Array; // new order of the node's examples, as offsets into its range
  private readonly codeScratch: Uint8Array;
  private readonly clsScratch: Int32Array;

  constructor(
    private readonly codes: Uint8Array,
    private readonly cls: Int32Array,
    private readonly n: number,
    private readonly numClasses: number,
  ) {
    this.goesLeft = new Uint8Array(n);
    this.source = new Int32Array(n);
    this.codeScratch = new Uint8Array(n);
    this.clsScratch = new Int32Array(n);
  }

  /** Marks which examples of [start, end) go left (code <= bin in `feature`) and counts each side's classes. */
  mark(feature: number, bin: number, start: number, end: number): { leftSize: number; leftCounts: Float64Array; rightCounts: Float64Array } {
    const { codes, cls, goesLeft } = this;
    const leftCounts = new Float64Array(this.numClasses);
    const rightCounts = new Float64Array(this.numClasses);
    const column = feature * this.n;
    let leftSize = 0;
    for (let j = start, k = 0; j < end; j++, k++) {
      const g = codes[column + j] <= bin ? 1 : 0;
      goesLeft[k] = g;
      leftSize += g;
      (g ? leftCounts : rightCounts)[cls[j]]++;
    }
    return { leftSize, leftCounts, rightCounts };
  }

  /**
   * Moves the marked examples to the front of [start, end) and the others behind them, in
   * `cls` and in the given features' columns. A side that will never be searched is left
   * as it is. Gathering each column through one list of offsets measured faster than
   * partitioning each column by the marks.
   */
  apply(features: Int32Array, start: number, end: number, leftSize: number, moveLeft: boolean, moveRight: boolean): void {
    const { source, goesLeft, codeScratch, clsScratch } = this;
    const m = end - start;
    for (let k = 0, l = 0, r = leftSize; k < m; k++) {
      if (goesLeft[k]) source[l++] = k;
      else source[r++] = k;
    }
    const from = moveLeft ? 0 : leftSize;
    const to = moveRight ? m : leftSize;
    for (const f of features) {
      const column = this.codes.subarray(f * this.n + start, f * this.n + end);
      for (let k = from; k < to; k++) codeScratch[k] = column[source[k]];
      column.set(codeScratch.subarray(from, to), from);
    }
    const cls = this.cls.subarray(start, end);
    for (let k = from; k < to; k++) clsScratch[k] = cls[source[k]];
    cls.set(clsScratch.subarray(from, to), from);
  }
}
