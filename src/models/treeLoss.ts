/**
 * The soft tree's loss after its one large product s = x·W + b, and the loss's gradient, in
 * passes over typed arrays: the path probabilities, the leaves' log-softmax, the
 * path-weighted cross-entropy and the balance penalty with its running averages, each
 * differentiated by hand beside its forward pass (no gradient tape).
 *
 * As tensor ops these were some 200 small kernels per training step, each paying the wasm
 * backend's fixed cost per call; their arithmetic is O(n · (I + L · K)), a few hundred
 * thousand operations, far less than the products' 2 · n · F · I each, which stay on the
 * backend (sdt.ts).
 */
import { pathsBackward, pathsForward } from './pathProbabilities.js';

/** The balance penalty's settings (sdt.ts). */
export interface Balance {
  /** λ, the penalty's strength. */
  lambda: number;
  /** 2^−d per inner node, divided by the level's 2^d nodes when levels average. */
  levelWeight: Float32Array;
  /** γ_d per inner node: the running average's decay (0: each batch alone). */
  decay: Float32Array;
}

/**
 * One batch after the product: s = x·W + b, p = σ(βs), q = σ(−βs) [n, I]; targets T [n, K];
 * and arrays to work in, kept by the caller from batch to batch: paths and dPaths [n, I + L],
 * ds [n, I] (the result ∂L/∂s).
 */
export interface TreeBatch {
  n: number;
  s: Float32Array;
  p: Float32Array;
  q: Float32Array;
  targets: Float32Array;
  paths: Float32Array;
  dPaths: Float32Array;
  ds: Float32Array;
}

export interface TreeLoss {
  loss: number;
  /** ∂L/∂s [n, I] (so ∂L/∂W = xᵀ · ds, ∂L/∂b_i = Σ_x ds_i), ∂L/∂β, ∂L/∂φ [L, K]. */
  ds: Float32Array;
  db: Float32Array;
  dBeta: number;
  dPhi: Float32Array;
}

const EPS = 1e-6;

/** log Q^ℓ_k = φ^ℓ_k − log Σ_k' exp φ^ℓ_k' [L, K], and Q^ℓ_k itself, in double precision. */
function leafLogSoftmax(phi: Float32Array, K: number): { logQ: Float64Array; Q: Float64Array } {
  const logQ = new Float64Array(phi.length);
  const Q = new Float64Array(phi.length);
  for (let o = 0; o < phi.length; o += K) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, phi[o + k]);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(phi[o + k] - max);
    const logSum = max + Math.log(sum);
    for (let k = 0; k < K; k++) {
      logQ[o + k] = phi[o + k] - logSum;
      Q[o + k] = Math.exp(logQ[o + k]);
    }
  }
  return { logQ, Q };
}

/**
 * The balance penalty C on the batch's path probabilities and, per node t ≥ 1, ∂C/∂P^t(x)
 * (the same for every example). Replaces the running averages α̃ in `alpha` by the new ones.
 */
function balancePenalty(paths: Float32Array, n: number, inner: number, balance: Balance, alpha: Float32Array) {
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
    const mixed = decay[i] * alpha[i] + (1 - decay[i]) * batch;
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
 * The passes are top-level functions, not closures: V8 ran such loops about five times
 * slower as closures created at every call (measured).
 */

/**
 * L_CE = −(1/n) Σ_x Σ_ℓ P^ℓ(x) c_ℓ(x), c_ℓ(x) = Σ_k T_k(x) log Q^ℓ_k, and into dPaths [n, I + L]
 * ∂L/∂P^t(x) = −c_t(x)/n (leaves) + ∂C/∂P^t (every node t, from `perNode`). Also
 * S^ℓ_k = Σ_x P^ℓ(x) T_k(x) [L, K] for ∂L/∂φ. A target's zero entries are skipped: a one-hot
 * row costs L operations, not L · K.
 */
function expectedCrossEntropy(batch: TreeBatch, paths: Float32Array, logQ: Float64Array, K: number, perNode: Float64Array | null, dPaths: Float32Array, S: Float64Array): number {
  const { n, targets } = batch;
  const nodes = paths.length / n;
  const inner = (nodes - 1) / 2;
  const c = new Float64Array(inner + 1);
  let sum = 0;
  for (let r = 0; r < n; r++) {
    const o = r * nodes;
    c.fill(0);
    for (let k = 0; k < K; k++) {
      const t = targets[r * K + k];
      if (t === 0) continue;
      for (let l = 0; l <= inner; l++) {
        c[l] += t * logQ[l * K + k];
        S[l * K + k] += paths[o + inner + l] * t;
      }
    }
    for (let l = 0; l <= inner; l++) {
      sum -= paths[o + inner + l] * c[l];
      dPaths[o + inner + l] = -c[l] / n;
    }
    for (let t = 0; t < inner; t++) dPaths[o + t] = perNode === null ? 0 : perNode[t];
    if (perNode !== null) for (let l = 0; l <= inner; l++) dPaths[o + inner + l] += perNode[inner + l];
  }
  return sum / n;
}

/**
 * Below this, ∂L/∂s is flushed to zero. Deep in a trained tree most examples reach a node
 * with a path probability near 1e-35, and their products with the pixels in ∂L/∂W = xᵀ·∂L/∂s
 * are subnormal floats, which x86 computes in microcode, some 100 times slower: the backward
 * product grew from 3 to 8 ms per depth-8 step over ten epochs (measured), and a tree's
 * training time doubled by its last epoch. Gradients this small move no weight.
 */
const FLUSH_BELOW = 1e-30;

/** s = x·W + b, z = βs:  ∂L/∂s = β ∂L/∂z,  ∂L/∂b_i = Σ_x ∂L/∂s_i,  ∂L/∂β = Σ_x Σ_i ∂L/∂z_i s_i. */
function productGradients(dz: Float32Array, s: Float32Array, beta: number, n: number, inner: number) {
  const db = new Float64Array(inner);
  let dBeta = 0;
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < inner; i++) {
      const j = r * inner + i;
      dBeta += dz[j] * s[j];
      dz[j] *= beta; // now ∂L/∂s
      if (Math.abs(dz[j]) < FLUSH_BELOW) dz[j] = 0;
      db[i] += dz[j];
    }
  }
  return { ds: dz, db: Float32Array.from(db), dBeta };
}

/** From S: ∂L/∂log Q^ℓ_k = −S^ℓ_k / n =: M^ℓ_k, and through the log-softmax ∂L/∂φ^ℓ_k = M^ℓ_k − Q^ℓ_k Σ_k' M^ℓ_k'. */
function leafLogitGradient(S: Float64Array, Q: Float64Array, K: number, n: number): Float32Array {
  const dPhi = new Float32Array(S.length);
  for (let o = 0; o < S.length; o += K) {
    let rowSum = 0;
    for (let k = 0; k < K; k++) rowSum += S[o + k];
    for (let k = 0; k < K; k++) dPhi[o + k] = -(S[o + k] - Q[o + k] * rowSum) / n;
  }
  return dPhi;
}

/**
 * L = −(1/n) Σ_x Σ_ℓ P^ℓ(x) Σ_k T_k(x) log Q^ℓ_k  (expected cross-entropy, batch mean)
 *     + C  (balance penalty, when `balance` is given; it also updates α̃ in `alpha`)
 * and its gradient, from the batch after the product, β and the leaf logits φ [L, K].
 */
export function treeLoss(batch: TreeBatch, beta: number, phi: Float32Array, balance: Balance | null, alpha: Float32Array): TreeLoss {
  const { n, s, p, q, dPaths } = batch;
  const inner = s.length / n;
  const K = phi.length / (inner + 1);
  const paths = pathsForward(p, q, n, inner, batch.paths); // P^t(x) [n, I + L]
  const { logQ, Q } = leafLogSoftmax(phi, K);
  const penalty = balance ? balancePenalty(paths, n, inner, balance, alpha) : null;
  const S = new Float64Array(phi.length);
  const loss = expectedCrossEntropy(batch, paths, logQ, K, penalty?.perNode ?? null, dPaths, S) + (penalty?.penalty ?? 0);
  const dz = pathsBackward(dPaths, paths, p, q, n, inner, batch.ds); // ∂L/∂z_i (pathProbabilities.ts)
  return { loss, ...productGradients(dz, s, beta, n, inner), dPhi: leafLogitGradient(S, Q, K, n) };
}
