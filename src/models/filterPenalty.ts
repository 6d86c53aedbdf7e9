/**
 * Optional penalties on the inner nodes' filters w_i (the columns of W [F, I]) that make
 * them easier to read (issue 17, part 6): L1 for sparse filters, and a smoothness penalty —
 * squared differences of neighbouring pixels, a squared total variation — for images.
 * Both are summed over the nodes, so λ is a per-weight strength whatever the depth.
 */
import { SdtError } from '../errors.js';

export interface FilterPenaltyOptions {
  /** λ1 of the L1 penalty (0: none). */
  filterL1: number;
  /** λ2 of the smoothness penalty (0: none); only for image inputs. */
  filterSmoothness: number;
}

/** None: the loss as it was before these options existed (src/runs/addedSettings.ts says so to older runs). */
export const FILTER_PENALTY_DEFAULTS: FilterPenaltyOptions = { filterL1: 0, filterSmoothness: 0 };

/** [height, width, channels] of an image input shape, or null for any other (a table's [F]). */
export function imageShapeOf(inputShape: readonly number[]): [number, number, number] | null {
  return inputShape.length === 3 ? [inputShape[0], inputShape[1], inputShape[2]] : null;
}

/** The smoothness penalty needs neighbouring pixels: refused, in one sentence, for tabular inputs. */
export function checkFilterPenalties(options: FilterPenaltyOptions, inputShape: readonly number[], dataset: string): void {
  if (options.filterSmoothness > 0 && imageShapeOf(inputShape) === null) {
    throw new SdtError(`--filter-smoothness penalises differences between neighbouring pixels, but ${dataset} has inputs of shape [${inputShape}], not images (--filter-l1 works on any inputs).`);
  }
}

/**
 * λ1 Σ_i ‖w_i‖₁ + λ2 Σ_i TV²(w_i) of the filters W [F, I] (F = h·w·c, row-major in that
 * order; column i is node i's filter), with its gradient added into `dW` [F, I]; 0 when both
 * strengths are 0. One pass over W in double precision (the training step's, sdt.ts).
 */
export function filterPenalty(W: Float32Array, inner: number, options: Partial<FilterPenaltyOptions>, imageShape: [number, number, number] | null, dW: Float32Array): number {
  const { filterL1 = 0, filterSmoothness = 0 } = options;
  let l1 = 0;
  // R1 = λ1 Σ_i Σ_j |w_ij|,  ∂R1/∂w = λ1 sign(w)   (L1: pushes a filter's unused pixels to zero)
  if (filterL1 > 0) {
    for (let j = 0; j < W.length; j++) {
      l1 += Math.abs(W[j]);
      dW[j] += filterL1 * Math.sign(W[j]);
    }
  }
  let squares = 0;
  if (filterSmoothness > 0) {
    if (imageShape === null) throw new SdtError('--filter-smoothness needs image inputs.');
    const [h, w, c] = imageShape;
    // R2 = λ2 Σ_i Σ_{r,s,ch} [(w_i[r,s+1,ch] − w_i[r,s,ch])² + (w_i[r+1,s,ch] − w_i[r,s,ch])²];
    // each difference d = w_next − w adds 2 λ2 d to ∂R2/∂w_next and takes it from ∂R2/∂w.
    for (let f = 0; f < h * w * c; f++) {
      const [row, column] = [Math.floor(f / (w * c)), Math.floor(f / c) % w];
      for (const next of [column + 1 < w ? f + c : -1, row + 1 < h ? f + w * c : -1]) {
        if (next < 0) continue;
        for (let i = 0; i < inner; i++) {
          const d = W[next * inner + i] - W[f * inner + i];
          squares += d * d;
          dW[next * inner + i] += 2 * filterSmoothness * d;
          dW[f * inner + i] -= 2 * filterSmoothness * d;
        }
      }
    }
  }
  return filterL1 * l1 + filterSmoothness * squares;
}
