/**
 * The soft decision tree of Frosst & Hinton (2017), "Distilling a Neural Network Into a
 * Soft Decision Tree", vectorised: all inner-node logits are one product X·W, and all log
 * path probabilities one more product with a fixed 0/1 routing matrix (see treeLayout.ts),
 * or, for deep trees, a pass over the levels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { randomSource } from '../random.js';
import { innerCount, leafCount, nodeDepth, routingMatrix } from './treeLayout.js';

export interface TreeConfig {
  depth: number;
  features: number;
  classes: number;
  /** Inverse temperature of every inner node; its starting value when learned. */
  beta: number;
  learnBeta: boolean;
  /** When set, β rises geometrically from `beta` to this value over training (annealing). */
  betaEnd?: number | null;
  /** Strength λ of the balance penalty. */
  lambda: number;
  /** Combine a level's node penalties by their mean or their sum (then weight 2^−d). */
  penaltyLevel: 'mean' | 'sum';
  /**
   * Running average of α: the root averages over `alphaWindow` batches, a node at depth d
   * over alphaWindow · 2^d. 0 uses each batch's α alone (measured best, see README).
   */
  alphaWindow: number;
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
  /** α̃_i, the running averages of each node's share of right-going probability. */
  alphaAverage: tf.Variable;
  /** Loss of Eq. (expected cross-entropy) plus the balance penalty C, on a batch. */
  loss(x: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar;
  /** log P^ℓ(x) for every leaf: [n, L]. */
  logLeafProbabilities(x: tf.Tensor2D): tf.Tensor2D;
  /** Max-path leaf predictions and mixture predictions (classes), plus the chosen leaf. */
  predict(x: tf.Tensor2D): { leaf: tf.Tensor1D; maxPath: tf.Tensor1D; mixture: tf.Tensor1D; mixtureProbabilities: tf.Tensor2D };
  read(): TreeParameters;
  write(parameters: TreeParameters): void;
  /** β for `progress` ∈ [0, 1] of training: fixed, or annealed β0 · (β1/β0)^progress. */
  anneal(progress: number): void;
  dispose(): void;
}

const EPS = 1e-6;

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

/**
 * Up to this depth the log path probabilities are one product with the 0/1 routing matrix;
 * deeper, level by level. The matrix grows as 4^D (2 MB at depth 8, 268 MB at depth 12):
 * measured in CPU time per example, the product trains 8 % faster at depth 8, the levels
 * 2.7× faster at depth 10.
 */
export const ROUTING_MATRIX_DEPTH = 8;

/**
 * log P^t(x) for every node t (inner nodes, then leaves) [n, I + L], from log(1 − p_i) and
 * log p_i [n, I]: P^left child = P^i (1 − p_i), P^right child = P^i p_i, log P^root = 0.
 */
export function logPathProbabilities(logLeft: tf.Tensor2D, logRight: tf.Tensor2D, depth: number, routing?: tf.Tensor2D): tf.Tensor2D {
  if (routing) return tf.matMul(tf.concat([logRight, logLeft], 1), routing); // Σ of the branches above each node
  const n = logLeft.shape[0];
  const levels: tf.Tensor2D[] = [tf.zeros([n, 1])];
  for (let d = 0; d < depth; d++) {
    const [start, width] = [2 ** d - 1, 2 ** d];
    const left = tf.add(levels[d], tf.slice(logLeft, [0, start], [n, width]));
    const right = tf.add(levels[d], tf.slice(logRight, [0, start], [n, width]));
    // Children 2i+1 and 2i+2 sit side by side: interleave the two on a last axis.
    levels.push(tf.reshape(tf.stack([left, right], 2), [n, 2 * width]));
  }
  return tf.concat(levels, 1);
}

export function createSoftTree(config: TreeConfig): SoftTree {
  const { depth, features: F, classes: K } = config;
  const I = innerCount(depth);
  const L = leafCount(depth);
  const W = tf.variable(tf.tensor2d(gaussian(F * I, 1 / Math.sqrt(F), config.seed), [F, I]), true);
  const b = tf.variable(tf.zeros([I]), true);
  const phi = tf.variable(tf.tensor2d(gaussian(L * K, 0.1, config.seed + 1), [L, K]), true);
  const beta = tf.variable(tf.scalar(config.beta), config.learnBeta);
  const alphaAverage = tf.variable(tf.fill([I], 0.5), false);
  const routing = depth <= ROUTING_MATRIX_DEPTH ? tf.keep(tf.tensor2d(routingMatrix(depth), [2 * I, I + L])) : undefined;
  const leafRouting = routing ? tf.keep(tf.slice(routing, [0, I], [2 * I, L])) : undefined;
  // Penalty weight of node i: 2^−d, divided by the level's node count 2^d when averaging.
  const levelWeight = Float32Array.from({ length: I }, (_, i) => {
    const d = nodeDepth(i);
    return 2 ** -d / (config.penaltyLevel === 'mean' ? 2 ** d : 1);
  });
  // Running-average decay γ_d = 1 − 1/(window · 2^d): deep nodes, which see few examples
  // per batch, are balanced on a longer history.
  const decay = Float32Array.from({ length: I }, (_, i) =>
    config.alphaWindow > 0 ? 1 - 1 / (config.alphaWindow * 2 ** nodeDepth(i)) : 0);
  const weightTensor = tf.keep(tf.tensor1d(levelWeight));
  const decayTensor = tf.keep(tf.tensor1d(decay));
  const trainable = config.learnBeta ? [W, b, phi, beta] : [W, b, phi];

  /** log(1 − p_i(x)) and log p_i(x) of every inner node, [n, I] each. */
  function logBranches(x: tf.Tensor2D): { logLeft: tf.Tensor2D; logRight: tf.Tensor2D } {
    const z = tf.mul(beta, tf.add(tf.matMul(x, W), b)) as tf.Tensor2D; // β(x·w_i + b_i), [n, I]
    // log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z): never log(0).
    return { logLeft: tf.neg(tf.softplus(z)) as tf.Tensor2D, logRight: tf.neg(tf.softplus(tf.neg(z))) as tf.Tensor2D };
  }

  /** log path probabilities of every node [n, I + L] and log p_i [n, I]. */
  function logPaths(x: tf.Tensor2D): { logPath: tf.Tensor2D; logRight: tf.Tensor2D } {
    const { logLeft, logRight } = logBranches(x);
    return { logPath: logPathProbabilities(logLeft, logRight, depth, routing), logRight };
  }

  /** log P^ℓ(x) of the leaves alone [n, L]: prediction needs no inner node's, so half the routing product. */
  function logLeafProbabilities(x: tf.Tensor2D): tf.Tensor2D {
    if (!leafRouting) return tf.slice(logPaths(x).logPath, [0, I], [-1, L]);
    const { logLeft, logRight } = logBranches(x);
    return tf.matMul(tf.concat([logRight, logLeft], 1), leafRouting);
  }

  function loss(x: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
    const { logPath, logRight } = logPaths(x);
    const logQ = tf.logSoftmax(phi); // log Q^ℓ_k, [L, K]
    const leafPath = tf.exp(tf.slice(logPath, [0, I], [-1, L])); // P^ℓ(x), [n, L]
    // L(x) = −Σ_ℓ P^ℓ(x) Σ_k T_k log Q^ℓ_k   (expected cross-entropy)
    const crossEntropy = tf.neg(tf.matMul(targets, logQ, false, true)); // [n, L]
    const expected = tf.mean(tf.sum(tf.mul(leafPath, crossEntropy), 1));
    if (config.lambda === 0) return expected as tf.Scalar;
    // α_i = Σ_x P^i(x) p_i(x) / Σ_x P^i(x); an unreached node counts as balanced (α = ½).
    const innerPath = tf.exp(tf.slice(logPath, [0, 0], [-1, I])); // P^i(x), [n, I]
    const mass = tf.sum(innerPath, 0);
    const alphaBatch = tf.div(tf.add(tf.sum(tf.mul(innerPath, tf.exp(logRight)), 0), EPS / 2), tf.add(mass, EPS));
    // α̃_i = γ_d α̃_i(previous) + (1 − γ_d) α_i(batch); the history carries no gradient.
    const alpha = tf.clipByValue(
      tf.add(tf.mul(decayTensor, alphaAverage), tf.mul(tf.sub(1, decayTensor), alphaBatch)), EPS, 1 - EPS);
    alphaAverage.assign(alpha as tf.Tensor1D);
    // C = −λ Σ_i 2^−d [½ log α̃_i + ½ log(1 − α̃_i)]
    const balance = tf.mul(0.5, tf.add(tf.log(alpha), tf.log(tf.sub(1, alpha))));
    const penalty = tf.mul(-config.lambda, tf.sum(tf.mul(weightTensor, balance)));
    return tf.add(expected, penalty) as tf.Scalar;
  }

  function predict(x: tf.Tensor2D) {
    return tf.tidy(() => {
      const logLeaf = logLeafProbabilities(x);
      const Q = tf.softmax(phi); // [L, K]
      const leaf = tf.argMax(logLeaf, 1) as tf.Tensor1D;
      const maxPath = tf.gather(tf.argMax(Q, 1), leaf) as tf.Tensor1D;
      const mixtureProbabilities = tf.matMul(tf.exp(logLeaf), Q) as tf.Tensor2D; // Σ_ℓ P^ℓ Q^ℓ, [n, K]
      const mixture = tf.argMax(mixtureProbabilities, 1) as tf.Tensor1D;
      return { leaf, maxPath, mixture, mixtureProbabilities };
    });
  }

  return {
    config,
    trainable,
    alphaAverage,
    loss,
    logLeafProbabilities: (x) => tf.tidy(() => logLeafProbabilities(x)),
    predict,
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
      if (config.betaEnd) tf.tidy(() => beta.assign(tf.scalar(config.beta * (config.betaEnd! / config.beta) ** progress)));
    },
    dispose: () => tf.dispose([W, b, phi, beta, alphaAverage, weightTensor, decayTensor, ...(routing && leafRouting ? [routing, leafRouting] : [])]),
  };
}
