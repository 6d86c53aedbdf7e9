/**
 * Path probabilities of a complete binary tree and their gradient, walked on plain typed
 * arrays.
 *
 * As tensor ops this is a product with a 0/1 routing matrix [2I, I + L] (more than half of
 * a depth-8 training step's arithmetic, almost all of it multiplying by zero) plus a dozen
 * element-wise ops (softplus, exp, negation), each a slow scalar loop on the wasm backend.
 * Walked directly it is one multiplication per node forwards and one addition backwards:
 * O(n · (I + L)) at any depth. The fused loss (treeLoss.ts) and the predictions
 * (leafPrediction.ts) walk them.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * P^t(x) of every node t (inner nodes, then leaves) [n, I + L] from p_i = σ(z_i) and
 * q_i = 1 − p_i = σ(−z_i) [n, I]:  P^root = 1,  P^(2i+1) = P^i q_i,  P^(2i+2) = P^i p_i
 * (into `out`).
 */
export function pathsForward(p: Float32Array, q: Float32Array, n: number, inner: number, out: Float32Array = new Float32Array(n * (2 * inner + 1))): Float32Array {
  const nodes = 2 * inner + 1;
  for (let r = 0; r < n; r++) {
    const o = r * nodes;
    const b = r * inner;
    out[o] = 1;
    for (let i = 0; i < inner; i++) {
      out[o + 2 * i + 1] = out[o + i] * q[b + i];
      out[o + 2 * i + 2] = out[o + i] * p[b + i];
    }
  }
  return out;
}

/**
 * ∂/∂z_i from the gradient g of every node's path probability. A node below i's left child
 * carries the factor q_i = σ(−z_i), below its right child p_i = σ(z_i); dσ(z)/dz = σ(z) σ(−z),
 * so with G(t) = Σ_{u in the subtree of t} g_u P^u,
 *   ∂/∂z_i = q_i G(2i+2) − p_i G(2i+1)
 * (no division by a probability that may have underflowed), into `dz` [n, I].
 */
export function pathsBackward(g: Float32Array, paths: Float32Array, p: Float32Array, q: Float32Array, n: number, inner: number, dz: Float32Array = new Float32Array(n * inner)): Float32Array {
  const nodes = 2 * inner + 1;
  const subtree = new Float64Array(nodes);
  for (let r = 0; r < n; r++) {
    const o = r * nodes;
    const b = r * inner;
    for (let t = nodes - 1; t >= inner; t--) subtree[t] = g[o + t] * paths[o + t];
    for (let i = inner - 1; i >= 0; i--) {
      const left = subtree[2 * i + 1];
      const right = subtree[2 * i + 2];
      dz[b + i] = q[b + i] * right - p[b + i] * left;
      subtree[i] = g[o + i] * paths[o + i] + left + right;
    }
  }
  return dz;
}

/**
 * p = σ(z) and q = σ(−z) [n, I], each to float32's relative precision (1 − σ(z) computed
 * from a float32 σ(z) near 1 would lose the small branch, all of it beyond z ≈ 17), on the
 * backend, whose sigmoid is SIMD and a JS exp is not.
 */
export function branchProbabilities(z: tf.Tensor2D): { p: Float32Array; q: Float32Array } {
  const [p, q] = tf.tidy(() => [tf.sigmoid(z), tf.sigmoid(tf.mul(z, -1))]).map((t) => {
    const values = t.dataSync() as Float32Array;
    t.dispose();
    return values;
  });
  return { p, q };
}
