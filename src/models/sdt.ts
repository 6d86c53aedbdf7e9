/**
 * The soft decision tree of Frosst & Hinton (2017), "Distilling a Neural Network Into a
 * Soft Decision Tree", vectorised: all inner-node logits are one product X·W on the backend,
 * all path probabilities one pass down the tree (pathProbabilities.ts). A training step is
 * written out by hand, without TensorFlow.js's gradient tape: the product and the sigmoids
 * on the backend, the loss and its gradient after them in passes over typed arrays
 * (treeLoss.ts), then the one product of the backward pass, ∂L/∂W = xᵀ·∂L/∂s. Prediction
 * is one pass over typed arrays after the product (leafPrediction.ts, run by sdtBatches.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { randomSource } from '../random.js';
import { transpose } from '../data/rows.js';
import { readInto, tensorOf } from '../kernels/tensorArrays.js';
import { filterPenalty, type FilterPenaltyOptions } from './filterPenalty.js';
import { branchProbabilities } from './pathProbabilities.js';
import { treeLoss, type Balance, type TreeBatch } from './treeLoss.js';
import { innerCount, leafCount, nodeDepth } from './treeNodes.js';

export interface TreeConfig extends Partial<FilterPenaltyOptions> {
  depth: number;
  features: number;
  classes: number;
  /** Inverse temperature of every inner node; its starting value when learned. */
  beta: number;
  learnBeta: boolean;
  /** When set, β rises geometrically from `beta` to this value over training (annealing). */
  betaEnd?: number | null;
  /** Share of training after which the annealing starts (0: from the start); a late start hardens the routing at the end. */
  annealStart?: number;
  /** Strength λ of the balance penalty. */
  lambda: number;
  /** Combine a level's node penalties by their mean or their sum (then weight 2^−d). */
  penaltyLevel: 'mean' | 'sum';
  /**
   * Running average of α: the root averages over `alphaWindow` batches, a node at depth d
   * over alphaWindow · 2^d. 0 uses each batch's α alone (measured best, see README).
   */
  alphaWindow: number;
  /** [height, width, channels] of image inputs (the smoothness penalty's neighbours); null for tables. */
  imageShape?: [number, number, number] | null;
  seed: number;
}

export interface TreeParameters {
  weights: Float32Array; // [F, I], column i is inner node i's filter
  biases: Float32Array; // [I]
  leafLogits: Float32Array; // [L, K]
  beta: number;
}

export interface SoftTree {
  config: TreeConfig;
  /** Everything the optimiser updates. */
  trainable: tf.Variable[];
  /** α̃_i, the running averages of each node's share of right-going probability (updated by `gradients`). */
  alphaAverage: Float32Array;
  /**
   * On a batch x [n, F] with targets [n, K]: the loss (expected cross-entropy plus the
   * balance penalty C and the filter penalties) and its gradient for each of `trainable`
   * (arrays valid until the next call).
   */
  gradients(x: Float32Array, targets: Float32Array, n: number): { loss: number; gradients: Float32Array[] };
  /** p_i = σ(z_i) and q_i = σ(−z_i) of every inner node [n, I], z = β(x·w_i + b_i): the product on the backend. */
  branchProbabilities(x: tf.Tensor2D): { p: Float32Array; q: Float32Array };
  /** The leaves' logits φ [L, K]: Q^ℓ = softmax(φ^ℓ). */
  leafLogits: tf.Variable;
  read(): TreeParameters;
  write(parameters: TreeParameters): void;
  /** β for `progress` ∈ [0, 1] of training: fixed, or annealed β0 · (β1/β0)^s, s the share of the annealing phase done. */
  anneal(progress: number): void;
  dispose(): void;
}

/** Gaussian draws from the seeded generator (Box–Muller), so initialisation is reproducible. */
function gaussian(size: number, std: number, seed: number): Float32Array {
  const random = randomSource(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random())) * std;
    const a = 2 * Math.PI * random();
    out[i] = r * Math.cos(a);
    if (i + 1 < size) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

export function createSoftTree(config: TreeConfig): SoftTree {
  const { depth, features: F, classes: K } = config;
  const I = innerCount(depth);
  const L = leafCount(depth);
  const W = tf.variable(tf.tensor2d(gaussian(F * I, 1 / Math.sqrt(F), config.seed), [F, I]), true);
  const b = tf.variable(tf.zeros([I]), true);
  const phi = tf.variable(tf.tensor2d(gaussian(L * K, 0.1, config.seed + 1), [L, K]), true);
  const beta = tf.variable(tf.scalar(config.beta), config.learnBeta);
  const alphaAverage = new Float32Array(I).fill(0.5);
  // Penalty weight of node i: 2^−d, divided by the level's node count 2^d when averaging.
  const levelWeight = Float32Array.from({ length: I }, (_, i) => {
    const d = nodeDepth(i);
    return 2 ** -d / (config.penaltyLevel === 'mean' ? 2 ** d : 1);
  });
  // Running-average decay γ_d = 1 − 1/(window · 2^d): deep nodes, which see few examples
  // per batch, are balanced on a longer history.
  const decay = Float32Array.from({ length: I }, (_, i) =>
    config.alphaWindow > 0 ? 1 - 1 / (config.alphaWindow * 2 ** nodeDepth(i)) : 0);
  const trainable = config.learnBeta ? [W, b, phi, beta] : [W, b, phi];

  /** s = x·W + b [n, I]: one product, the bias added inside it. Training and prediction share it, so they agree bit for bit. */
  const preactivation = (x: tf.Tensor2D) => tf.fused.matMul({ a: x, b: W, bias: b });
  /** z = βs = β(x·w_i + b_i), [n, I]. */
  const logits = (x: tf.Tensor2D) => tf.mul(preactivation(x), beta) as tf.Tensor2D;

  const balance: Balance | null = config.lambda === 0 ? null : { lambda: config.lambda, levelWeight, decay };
  const filtered = (config.filterL1 ?? 0) > 0 || (config.filterSmoothness ?? 0) > 0;

  // Arrays of a batch's size, kept from step to step (kernels/tensorArrays.ts says why).
  const dW = new Float32Array(F * I);
  let kept: { n: number; xT: Float32Array; batch: Omit<TreeBatch, 'targets'> } | undefined;
  function arraysFor(n: number) {
    const [perNode, perInner] = [() => new Float32Array(n * (I + L)), () => new Float32Array(n * I)];
    if (kept?.n !== n) kept = { n, xT: new Float32Array(F * n), batch: { n, s: perInner(), p: perInner(), q: perInner(), paths: perNode(), dPaths: perNode(), ds: perInner() } };
    return kept;
  }

  function gradients(x: Float32Array, targets: Float32Array, n: number) {
    const { xT, batch } = arraysFor(n);
    const { s, p, q } = batch;
    // s = x·W + b, p = σ(βs), q = σ(−βs) [n, I], on the backend (its sigmoid is SIMD, a JS exp is not)
    const forward = tf.tidy(() => {
      const sum = preactivation(tensorOf(x, [n, F]) as tf.Tensor2D);
      const z = tf.mul(sum, beta);
      return [sum, tf.sigmoid(z), tf.sigmoid(tf.neg(z))];
    });
    [s, p, q].forEach((out, i) => readInto(forward[i], out));
    tf.dispose(forward);
    // L and ∂L/∂s, ∂L/∂b, ∂L/∂β, ∂L/∂φ: the path walk, the loss and the penalty (treeLoss.ts)
    const fit = treeLoss({ ...batch, targets }, beta.dataSync()[0], phi.dataSync() as Float32Array, balance, alphaAverage);
    // ∂L/∂W = xᵀ·∂L/∂s [F, I], xᵀ transposed here: the backend's product with a transposed operand is slow
    const product = tf.tidy(() => tf.matMul(tensorOf(transpose(x, n, F, xT), [F, n]), tensorOf(fit.ds, [n, I])));
    readInto(product, dW);
    product.dispose();
    // + λ1 Σ_i ‖w_i‖₁ + λ2 Σ_i TV²(w_i), its gradient added into dW (filterPenalty.ts)
    const filters = filtered ? filterPenalty(W.dataSync() as Float32Array, I, config, config.imageShape ?? null, dW) : 0;
    const all = [dW, fit.db, fit.dPhi, Float32Array.of(fit.dBeta)];
    return { loss: fit.loss + filters, gradients: all.slice(0, trainable.length) };
  }

  return {
    config,
    trainable,
    alphaAverage,
    gradients,
    branchProbabilities(x) {
      const z = tf.tidy(() => logits(x));
      const branches = branchProbabilities(z);
      z.dispose();
      return branches;
    },
    leafLogits: phi,
    read: () => ({
      // Copies: on the cpu backend dataSync hands out the live storage.
      weights: (W.dataSync() as Float32Array).slice(),
      biases: (b.dataSync() as Float32Array).slice(),
      leafLogits: (phi.dataSync() as Float32Array).slice(),
      beta: beta.dataSync()[0],
    }),
    // tidy: a variable keeps its own reference to the data assigned, the temporaries go.
    write: (p) =>
      tf.tidy(() => {
        W.assign(tf.tensor2d(p.weights, [F, I]));
        b.assign(tf.tensor1d(p.biases));
        phi.assign(tf.tensor2d(p.leafLogits, [L, K]));
        beta.assign(tf.scalar(p.beta));
      }),
    anneal(progress) {
      if (!config.betaEnd) return;
      const start = config.annealStart ?? 0;
      const share = Math.max(0, (progress - start) / (1 - start));
      tf.tidy(() => beta.assign(tf.scalar(config.beta * (config.betaEnd! / config.beta) ** share)));
    },
    dispose: () => tf.dispose([W, b, phi, beta]),
  };
}
