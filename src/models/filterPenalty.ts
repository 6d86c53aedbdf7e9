/**
 * Optional penalties on the inner nodes' filters w_i (the columns of W [F, I]) that make
 * them easier to read (issue 17, part 6): L1 for sparse filters, and a smoothness penalty —
 * squared differences of neighbouring pixels, a squared total variation — for images.
 * Both are summed over the nodes, so λ is a per-weight strength whatever the depth.
 */
import * as tf from '@tensorflow/tfjs-core';
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
 * Σ (w[next pixel along axis] − w)² over filters [h, w, c, I] (axis 0: down, 1: across);
 * nothing when the axis has a single pixel (an empty slice's sum on wasm is not 0).
 */
function squaredSteps(filters: tf.Tensor4D, axis: 0 | 1): tf.Scalar[] {
  const size = [...filters.shape];
  size[axis] -= 1;
  if (size[axis] < 1) return [];
  const next = [0, 0, 0, 0];
  next[axis] = 1;
  return [tf.sum(tf.square(tf.sub(tf.slice(filters, next, size), tf.slice(filters, [0, 0, 0, 0], size))))];
}

/**
 * λ1 Σ_i ‖w_i‖₁ + λ2 Σ_i TV²(w_i) of the filters W [F, I] (F = h·w·c, row-major in that
 * order), or null when both strengths are 0, so the loss is then exactly what it was.
 */
export function filterPenalty(W: tf.Tensor2D, options: Partial<FilterPenaltyOptions>, imageShape: [number, number, number] | null): tf.Scalar | null {
  const { filterL1 = 0, filterSmoothness = 0 } = options;
  const terms: tf.Scalar[] = [];
  // R1 = λ1 Σ_i Σ_j |w_ij|   (L1: pushes a filter's unused pixels to zero)
  if (filterL1 > 0) terms.push(tf.mul(filterL1, tf.sum(tf.abs(W))));
  if (filterSmoothness > 0) {
    if (imageShape === null) throw new SdtError('--filter-smoothness needs image inputs.');
    const [h, w, c] = imageShape;
    const filters = tf.reshape(W, [h, w, c, W.shape[1]]) as tf.Tensor4D; // [h, w, c, I]
    const steps = [...squaredSteps(filters, 1), ...squaredSteps(filters, 0)];
    // R2 = λ2 Σ_i Σ_{r,s,ch} [(w_i[r,s+1,ch] − w_i[r,s,ch])² + (w_i[r+1,s,ch] − w_i[r,s,ch])²]
    if (steps.length) terms.push(tf.mul(filterSmoothness, steps.reduce((a, b) => tf.add(a, b))));
  }
  return terms.length === 0 ? null : (terms.reduce((a, b) => tf.add(a, b)) as tf.Scalar);
}
