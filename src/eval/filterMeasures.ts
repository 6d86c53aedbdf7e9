/**
 * How sparse and how smooth a soft tree's filters are, each a mean over the inner nodes of a
 * measure that ignores a filter's scale (an L1 penalty shrinks every weight; a smaller filter
 * is not by itself a sparser or smoother one).
 */

export interface FilterMeasures {
  /** Hoyer's sparsity (√n − ‖w‖₁/‖w‖₂)/(√n − 1): 0 when all |w_j| are equal, 1 for a single non-zero weight. */
  sparsity: number;
  /** Share of weights smaller in magnitude than a hundredth of their filter's largest. */
  nearZero: number;
  /** Σ(neighbouring pixels' difference)² / Σw²: 0 for a constant filter, about 4 for white noise; null for tabular inputs. */
  roughness: number | null;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

function hoyer(w: ArrayLike<number>): number {
  let l1 = 0;
  let l2 = 0;
  for (let j = 0; j < w.length; j++) {
    l1 += Math.abs(w[j]);
    l2 += w[j] * w[j];
  }
  const root = Math.sqrt(w.length);
  return l2 === 0 || w.length < 2 ? 1 : (root - l1 / Math.sqrt(l2)) / (root - 1);
}

function nearZeroShare(w: ArrayLike<number>): number {
  let largest = 0;
  for (let j = 0; j < w.length; j++) largest = Math.max(largest, Math.abs(w[j]));
  let small = 0;
  for (let j = 0; j < w.length; j++) if (Math.abs(w[j]) < largest / 100) small++;
  return small / Math.max(1, w.length);
}

/** w flattened row-major in [h, w, c] order; differences to the right and downwards, per channel. */
function roughness(w: ArrayLike<number>, [h, width, c]: [number, number, number]): number {
  let differences = 0;
  let energy = 0;
  for (let r = 0; r < h; r++) {
    for (let s = 0; s < width; s++) {
      for (let ch = 0; ch < c; ch++) {
        const v = w[(r * width + s) * c + ch];
        energy += v * v;
        if (s + 1 < width) differences += (w[(r * width + s + 1) * c + ch] - v) ** 2;
        if (r + 1 < h) differences += (w[((r + 1) * width + s) * c + ch] - v) ** 2;
      }
    }
  }
  return energy === 0 ? 0 : differences / energy;
}

/** The measures of `filters` (one array per inner node); roughness needs an image's [h, w, c]. */
export function filterMeasures(filters: ArrayLike<number>[], imageShape: [number, number, number] | null): FilterMeasures {
  return {
    sparsity: mean(filters.map(hoyer)),
    nearZero: mean(filters.map(nearZeroShare)),
    roughness: imageShape === null ? null : mean(filters.map((w) => roughness(w, imageShape))),
  };
}
