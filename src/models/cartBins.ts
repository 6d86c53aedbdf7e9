/**
 * CART's binning: every feature quantised once into at most 256 bins, so that no split
 * search sorts floats (src/models/cart.ts grows the tree, cartSplit.ts searches the splits).
 */
import { SdtError } from '../errors.js';

export const MAX_BINS = 256;

/** The training values of one feature's bins, ascending: each bin holds values in [lower, upper]. */
export interface FeatureBins {
  lower: Float32Array;
  upper: Float32Array;
}

export interface BinnedData {
  /** [features, n] bin of each example, feature-major; fitCart reorders each column's examples as it splits. */
  codes: Uint8Array;
  bins: FeatureBins[];
}

/**
 * Quantises every feature into at most 256 bins. A feature with ≤ 256 distinct training
 * values gets one bin per value (exact: the tree is the one an exact search would find);
 * otherwise bins hold roughly equal numbers of examples (quantiles).
 */
export function binFeatures(x: Float32Array, n: number, features: number): BinnedData {
  const codes = new Uint8Array(features * n);
  const bins: FeatureBins[] = [];
  const BLOCK = 32;
  const block = new Int32Array(BLOCK * n); // [BLOCK, n] float32 bit patterns
  const table = new DistinctTable();
  const xBits = new Int32Array(x.buffer, x.byteOffset, x.length);
  for (let f0 = 0; f0 < features; f0 += BLOCK) {
    const width = Math.min(BLOCK, features - f0);
    transposeBits(xBits, block, n, features, f0, width);
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
export function splitThreshold(bins: FeatureBins, bin: number): number {
  const below = bins.upper[bin];
  const above = bins.lower[bin + 1];
  const mid = Math.fround((below + above) / 2);
  return mid < above ? mid : below;
}
