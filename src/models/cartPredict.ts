/** What a fitted CART tree predicts, and its size. */
import { argMaxRows, gatherRows } from '../data/rows.js';
import { SdtError } from '../errors.js';
import type { CartModel } from './cart.js';

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
  return argMaxRows(gatherRows(counts, cartLeaves(model, x, n), C), C);
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
