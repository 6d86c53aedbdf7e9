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
import { branchProbabilities, pathsBackward, pathsForward } from './pathProbabilities.js';

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

/** log Q^ℓ_k = φ^ℓ_k − log Σ_k' exp φ^ℓ_k' and Q^ℓ_k itself, [L, K] in double precision. */
export function leafLogSoftmax(phi: Float32Array, leaves: number, K: number): { logQ: Float64Array; Q: Float64Array } {
  const logQ = new Float64Array(leaves * K);
  const Q = new Float64Array(leaves * K);
  for (let l = 0; l < leaves; l++) {
    const o = l * K;
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

type Inputs = [a: tf.Tensor2D, b: tf.Tensor, beta: tf.Tensor, phi: tf.Tensor2D];

/**
 * L = −(1/n) Σ_x Σ_ℓ P^ℓ(x) Σ_k T_k(x) log Q^ℓ_k  (expected cross-entropy, batch mean)
 *     + C  (balance penalty, when `balance` is given; it also updates α̃)
 * from a = x·W [n, I], the biases b [I], β, the leaf logits φ [L, K] and targets T [n, K].
 */
export function treeLoss(a: tf.Tensor2D, b: tf.Tensor, beta: tf.Tensor, phi: tf.Tensor2D, targets: tf.Tensor2D, balance: Balance | null): tf.Scalar {
  const T = targets.dataSync() as Float32Array;
  const op = tf.customGrad(((...[aT, bT, betaT, phiT]: Inputs) => {
    const [n, inner] = aT.shape;
    const [leaves, K] = phiT.shape;
    const nodes = inner + leaves;
    const [av, bv, phiv] = [aT, bT, phiT].map((t) => t.dataSync() as Float32Array);
    const betaValue = betaT.dataSync()[0];
    const { p, q } = branchProbabilities(av, bv, betaValue, n, inner); // p_i = σ(z_i), z = β(a + b)
    const paths = pathsForward(p, q, n, inner); // P^t(x) [n, I + L]
    const { logQ, Q } = leafLogSoftmax(phiv, leaves, K);
    // ∂L/∂P^ℓ(x) = −(1/n) Σ_k T_k(x) log Q^ℓ_k; zero for the inner nodes until the penalty adds its part
    const dPaths = new Float32Array(n * nodes);
    let expected = 0;
    for (let r = 0; r < n; r++) {
      for (let l = 0; l < leaves; l++) {
        let crossEntropy = 0; // Σ_k T_k log Q^ℓ_k
        for (let k = 0; k < K; k++) crossEntropy += T[r * K + k] * logQ[l * K + k];
        expected -= paths[r * nodes + inner + l] * crossEntropy;
        dPaths[r * nodes + inner + l] = -crossEntropy / n;
      }
    }
    let loss = expected / n;
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
      for (let r = 0; r < n; r++) {
        for (let t = 0; t < nodes; t++) dPaths[r * nodes + t] = scale * (dPaths[r * nodes + t] + (perNode ? perNode[t] : 0));
      }
      const dz = pathsBackward(dPaths, paths, p, q, n, inner); // ∂L/∂z_i (pathProbabilities.ts)
      // z = β(a + b):  ∂L/∂a = β ∂L/∂z,  ∂L/∂b_i = β Σ_x ∂L/∂z_i,  ∂L/∂β = Σ_x Σ_i ∂L/∂z_i (a_i + b_i)
      const da = new Float32Array(n * inner);
      const db = new Float64Array(inner);
      let dBeta = 0;
      for (let r = 0; r < n; r++) {
        for (let i = 0; i < inner; i++) {
          const g = dz[r * inner + i];
          da[r * inner + i] = betaValue * g;
          db[i] += betaValue * g;
          dBeta += g * (av[r * inner + i] + bv[i]);
        }
      }
      // ∂L/∂log Q^ℓ_k = −(1/n) Σ_x P^ℓ(x) T_k(x) =: M^ℓ_k;  ∂L/∂φ^ℓ_k = M^ℓ_k − Q^ℓ_k Σ_k' M^ℓ_k'
      const M = new Float64Array(leaves * K);
      for (let r = 0; r < n; r++) {
        for (let l = 0; l < leaves; l++) {
          const weight = (-scale * paths[r * nodes + inner + l]) / n;
          for (let k = 0; k < K; k++) M[l * K + k] += weight * T[r * K + k];
        }
      }
      const dPhi = new Float32Array(leaves * K);
      for (let l = 0; l < leaves; l++) {
        let rowSum = 0;
        for (let k = 0; k < K; k++) rowSum += M[l * K + k];
        for (let k = 0; k < K; k++) dPhi[l * K + k] = M[l * K + k] - Q[l * K + k] * rowSum;
      }
      return [tf.tensor2d(da, [n, inner]), tf.tensor1d(Float32Array.from(db)), tf.scalar(dBeta), tf.tensor2d(dPhi, [leaves, K])];
    };
    return { value: tf.scalar(loss), gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...inputs: Inputs) => tf.Scalar;
  return op(a, b, beta, phi);
}
