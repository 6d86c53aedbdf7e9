/**
 * The soft tree's loss after its one large product a = x·W, as one TensorFlow.js op with its
 * own gradient: the branch probabilities, the path probabilities, the leaves' log-softmax,
 * the path-weighted cross-entropy and the balance penalty with its running averages, each
 * computed in a pass over typed arrays.
 *
 * As tensor ops these were some 200 small kernels per training step (logSoftmax, Multiply,
 * Sub, Sum, Concat, SplitV, … and their gradients), each paying the wasm backend's fixed
 * cost per call; their arithmetic is O(n · (I + L · K)), a few hundred thousand operations,
 * far less than the product's 2 · n · F · I. The products x·W and xᵀ·∂a stay on the backend
 * (XNNPACK on wasm): tfjs differentiates the product, this op everything after it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { pathsBackward, pathsForward } from './pathProbabilities.js';

/** The balance penalty's settings and state (sdt.ts). */
export interface Balance {
  /** λ, the penalty's strength. */
  lambda: number;
  /** 2^−d per inner node, divided by the level's 2^d nodes when levels average. */
  levelWeight: Float32Array;
  /** γ_d per inner node: the running average's decay (0: each batch alone). */
  decay: Float32Array;
  /** α̃_i, updated by every forward pass. */
  average: tf.Variable;
}

const EPS = 1e-6;

/** log Q^ℓ_k = φ^ℓ_k − log Σ_k' exp φ^ℓ_k' as log Qᵀ [K, L], and Q^ℓ_k itself [L, K] in double precision. */
function leafLogSoftmax(phi: Float32Array, leaves: number, K: number): { logQT: Float32Array; Q: Float64Array } {
  const logQT = new Float32Array(K * leaves); // transposed [K, L]: the product T · log Qᵀ needs no transpose kernel
  const Q = new Float64Array(leaves * K);
  for (let l = 0; l < leaves; l++) {
    const o = l * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, phi[o + k]);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(phi[o + k] - max);
    const logSum = max + Math.log(sum);
    for (let k = 0; k < K; k++) {
      logQT[k * leaves + l] = phi[o + k] - logSum;
      Q[o + k] = Math.exp(phi[o + k] - logSum);
    }
  }
  return { logQT, Q };
}

/**
 * The balance penalty C on the batch's path probabilities and, per node t ≥ 1, ∂C/∂P^t(x)
 * (the same for every example). Writes the new running averages into `alpha`.
 */
function balancePenalty(paths: Float32Array, n: number, inner: number, balance: Balance, previous: Float32Array, alpha: Float32Array) {
  const nodes = 2 * inner + 1;
  const mass = new Float64Array(nodes); // Σ_x P^t(x)
  for (let r = 0; r < n; r++) for (let t = 1; t < nodes; t++) mass[t] += paths[r * nodes + t];
  const { lambda, levelWeight, decay } = balance;
  const perNode = new Float64Array(nodes);
  let sum = 0;
  for (let i = 0; i < inner; i++) {
    const [left, right] = [mass[2 * i + 1], mass[2 * i + 2]];
    // α_i = (Σ_x P^(2i+2) + ε/2) / (Σ_x P^(2i+1) + Σ_x P^(2i+2) + ε): an unreached node counts as balanced
    const total = left + right + EPS;
    const batch = (right + EPS / 2) / total;
    // α̃_i = γ_d α̃_i(previous) + (1 − γ_d) α_i, clipped to [ε, 1 − ε]; the history carries no gradient
    const mixed = decay[i] * previous[i] + (1 - decay[i]) * batch;
    const a = Math.min(Math.max(mixed, EPS), 1 - EPS);
    alpha[i] = a;
    // C = −λ Σ_i 2^−d [½ log α̃_i + ½ log(1 − α̃_i)]
    sum += levelWeight[i] * 0.5 * (Math.log(a) + Math.log(1 - a));
    // ∂C/∂α_i = −λ 2^−d ½ (1/α̃_i − 1/(1 − α̃_i)) · (1 − γ_d), zero where the clip holds
    const inside = mixed >= EPS && mixed <= 1 - EPS ? 1 : 0;
    const dAlpha = -lambda * levelWeight[i] * 0.5 * (1 / a - 1 / (1 - a)) * inside * (1 - decay[i]);
    // ∂α_i/∂ΣP^(2i+2) = (ΣP^(2i+1) + ε/2) / total²,  ∂α_i/∂ΣP^(2i+1) = −(ΣP^(2i+2) + ε/2) / total²
    perNode[2 * i + 2] += (dAlpha * (left + EPS / 2)) / (total * total);
    perNode[2 * i + 1] -= (dAlpha * (right + EPS / 2)) / (total * total);
  }
  return { penalty: -lambda * sum, perNode };
}

/*
 * The passes are top-level functions, not closures inside the op: V8 ran these loops about
 * five times slower as closures created at every call (measured).
 */

/**
 * L_CE = −(1/n) Σ_x Σ_ℓ P^ℓ(x) c_ℓ(x) with c_ℓ(x) = Σ_k T_k(x) log Q^ℓ_k [n, L], and into
 * dPaths [n, I + L] its gradient ∂L_CE/∂P^ℓ(x) = −c_ℓ(x)/n (zero for the inner nodes).
 */
function expectedCrossEntropy(paths: Float32Array, c: Float32Array, n: number, inner: number, dPaths: Float32Array): number {
  const leaves = inner + 1;
  const nodes = inner + leaves;
  let sum = 0;
  for (let r = 0; r < n; r++) {
    for (let l = 0; l < leaves; l++) {
      sum -= paths[r * nodes + inner + l] * c[r * leaves + l];
      dPaths[r * nodes + inner + l] = -c[r * leaves + l] / n;
    }
  }
  return sum / n;
}

/** dPaths ← dy · (dPaths + ∂C/∂P^t), the penalty's part the same for every example. */
function addPenaltyGradient(dPaths: Float32Array, perNode: Float64Array | null, dy: number, n: number): void {
  const nodes = dPaths.length / n;
  for (let r = 0; r < n; r++) {
    for (let t = 0; t < nodes; t++) dPaths[r * nodes + t] = dy * (dPaths[r * nodes + t] + (perNode === null ? 0 : perNode[t]));
  }
}

/** z = β(a + b):  ∂L/∂a = β ∂L/∂z,  ∂L/∂b_i = β Σ_x ∂L/∂z_i,  ∂L/∂β = Σ_x Σ_i ∂L/∂z_i (a_i + b_i). */
function productGradients(dz: Float32Array, a: Float32Array, bias: Float32Array, beta: number, n: number) {
  const inner = bias.length;
  const da = new Float32Array(n * inner);
  const db = new Float64Array(inner);
  let dBeta = 0;
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < inner; i++) {
      const g = dz[r * inner + i];
      da[r * inner + i] = beta * g;
      db[i] += beta * g;
      dBeta += g * (a[r * inner + i] + bias[i]);
    }
  }
  return { da, db: Float32Array.from(db), dBeta };
}

/** P^ℓ(x) of the leaves, transposed: [L, n]. */
function leafPathsTransposed(paths: Float32Array, n: number, inner: number): Float32Array {
  const leaves = inner + 1;
  const nodes = inner + leaves;
  const out = new Float32Array(leaves * n);
  for (let r = 0; r < n; r++) for (let l = 0; l < leaves; l++) out[l * n + r] = paths[r * nodes + inner + l];
  return out;
}

/**
 * From S^ℓ_k = Σ_x P^ℓ(x) T_k(x): ∂L/∂log Q^ℓ_k = −(dy/n) S^ℓ_k =: M^ℓ_k, and through the
 * log-softmax ∂L/∂φ^ℓ_k = M^ℓ_k − Q^ℓ_k Σ_k' M^ℓ_k' (`scale` = −dy/n).
 */
function leafLogitGradient(S: Float32Array, Q: Float64Array, K: number, scale: number): Float32Array {
  const leaves = S.length / K;
  const dPhi = new Float32Array(leaves * K);
  for (let l = 0; l < leaves; l++) {
    let rowSum = 0;
    for (let k = 0; k < K; k++) rowSum += S[l * K + k];
    for (let k = 0; k < K; k++) dPhi[l * K + k] = scale * (S[l * K + k] - Q[l * K + k] * rowSum);
  }
  return dPhi;
}

/**
 * A tensor's values, and the tensor disposed. (Never return typed arrays from tf.tidy: it
 * walks its result looking for tensors, element by element — measured 20–40 ms for 32k.)
 */
function values(t: tf.Tensor): Float32Array {
  const out = t.dataSync() as Float32Array;
  t.dispose();
  return out;
}

type Inputs = [a: tf.Tensor2D, b: tf.Tensor, beta: tf.Tensor, phi: tf.Tensor2D];

/**
 * L = −(1/n) Σ_x Σ_ℓ P^ℓ(x) Σ_k T_k(x) log Q^ℓ_k  (expected cross-entropy, batch mean)
 *     + C  (balance penalty, when `balance` is given; it also updates α̃)
 * from a = x·W [n, I], the biases b [I], β, the leaf logits φ [L, K] and targets T [n, K].
 */
export function treeLoss(a: tf.Tensor2D, b: tf.Tensor, beta: tf.Tensor, phi: tf.Tensor2D, targets: tf.Tensor2D, balance: Balance | null): tf.Scalar {
  const op = tf.customGrad(((...[aT, bT, betaT, phiT]: Inputs) => {
    const [n, inner] = aT.shape;
    const [leaves, K] = phiT.shape;
    const nodes = inner + leaves;
    // p_i = σ(z_i) and q_i = σ(−z_i), z = β(a + b): on the backend, whose sigmoid is SIMD and a JS exp is not.
    const [p, q] = tf.tidy(() => {
      const z = tf.mul(betaT, tf.add(aT, bT));
      return [tf.sigmoid(z), tf.sigmoid(tf.neg(z))];
    }).map(values);
    const [av, bv] = [aT, bT].map((t) => t.dataSync() as Float32Array); // for ∂L/∂β
    const betaValue = betaT.dataSync()[0];
    const paths = pathsForward(p, q, n, inner); // P^t(x) [n, I + L]
    const { logQT, Q } = leafLogSoftmax(phiT.dataSync() as Float32Array, leaves, K);
    // c_ℓ(x) = Σ_k T_k(x) log Q^ℓ_k = (T · log Qᵀ)[x, ℓ], a product on the backend
    const c = values(tf.tidy(() => tf.matMul(targets, tf.tensor2d(logQT, [K, leaves]))));
    const dPaths = new Float32Array(n * nodes);
    let loss = expectedCrossEntropy(paths, c, n, inner, dPaths);
    let perNode: Float64Array | null = null;
    if (balance) {
      const alpha = new Float32Array(inner);
      const result = balancePenalty(paths, n, inner, balance, balance.average.dataSync() as Float32Array, alpha);
      loss += result.penalty;
      perNode = result.perNode;
      tf.tidy(() => balance.average.assign(tf.tensor1d(alpha)));
    }
    const gradFunc = (dy: tf.Scalar) => {
      const scale = dy.dataSync()[0];
      addPenaltyGradient(dPaths, perNode, scale, n);
      const dz = pathsBackward(dPaths, paths, p, q, n, inner); // ∂L/∂z_i (pathProbabilities.ts)
      const { da, db, dBeta } = productGradients(dz, av, bv, betaValue, n);
      // S = Pᵀ_leaves · T [L, K], a product on the backend
      const S = values(tf.tidy(() => tf.matMul(tf.tensor2d(leafPathsTransposed(paths, n, inner), [leaves, n]), targets)));
      const dPhi = leafLogitGradient(S, Q, K, -scale / n);
      return [tf.tensor2d(da, [n, inner]), tf.tensor1d(db), tf.scalar(dBeta), tf.tensor2d(dPhi, [leaves, K])];
    };
    return { value: tf.scalar(loss), gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...inputs: Inputs) => tf.Scalar;
  return op(a, b, beta, phi);
}
