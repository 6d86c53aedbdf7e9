/**
 * The filter penalties as TensorFlow.js ops (src/models/filterPenalty.ts before its typed-array
 * pass): the oracle whose autodiff the tests compare the tree's hand-written gradient with.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FilterPenaltyOptions } from '../src/models/filterPenalty.js';

/** Σ (w[next pixel along axis] − w)² over filters [h, w, c, I] (axis 0: down, 1: across). */
function squaredSteps(filters: tf.Tensor4D, axis: 0 | 1): tf.Scalar[] {
  const size = [...filters.shape];
  size[axis] -= 1;
  if (size[axis] < 1) return [];
  const next = [0, 0, 0, 0];
  next[axis] = 1;
  return [tf.sum(tf.square(tf.sub(tf.slice(filters, next, size), tf.slice(filters, [0, 0, 0, 0], size))))];
}

/** λ1 Σ|w| + λ2 Σ (neighbouring pixels' difference)² of W [F, I], F = h·w·c. */
export function filterPenaltyOp(W: tf.Tensor2D, { filterL1 = 0, filterSmoothness = 0 }: Partial<FilterPenaltyOptions>, [h, w, c]: [number, number, number]): tf.Scalar {
  const filters = tf.reshape(W, [h, w, c, W.shape[1]]) as tf.Tensor4D;
  const smooth = [...squaredSteps(filters, 1), ...squaredSteps(filters, 0)].reduce((a, b) => tf.add(a, b), tf.scalar(0));
  return tf.add(tf.mul(filterL1, tf.sum(tf.abs(W))), tf.mul(filterSmoothness, smooth)) as tf.Scalar;
}
