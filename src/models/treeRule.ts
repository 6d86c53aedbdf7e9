/**
 * The tree's rule on plain arrays: double sums over float32 weights. It is the one copy of
 * the rule: createTreePredictor wraps it, and the interactive page (viz/page.ts) and
 * `sdt export --format js` (jsExport.ts) ship this function's own source text, so they and
 * sdt cannot disagree. Hence it must stay self-contained: no imports, no names from outside
 * its body.
 *
 * children: inner node i's left (probability 1 − p_i) and right (p_i) child, each numbered
 * after its parent; leaf ℓ is node I + ℓ (treeStructure.ts: 2i+1, 2i+2 for sdt-tree/1's
 * complete tree, explicit for sdt-tree/2's pruned one).
 */
export function createTreeRule(
  weights: Float32Array,
  biases: ArrayLike<number>,
  beta: number,
  leafLogits: number[][],
  features: number,
  children: { left: ArrayLike<number>; right: ArrayLike<number> },
) {
  const { left, right } = children;
  const I = biases.length; // inner nodes
  const L = I + 1; // leaves
  const parent = new Int32Array(I + L).fill(-1);
  for (let i = 0; i < I; i++) parent[left[i]] = parent[right[i]] = i;
  const F = features;
  const K = leafLogits[0].length;
  const softplus = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
  const argMax = (values: ArrayLike<number>, from = 0, to = values.length) => {
    let best = from;
    for (let i = from + 1; i < to; i++) if (values[i] > values[best]) best = i;
    return best;
  };
  const softmax = (logits: number[]) => {
    const m = Math.max(...logits);
    const e = Float64Array.from(logits, (v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  /** Q^ℓ = softmax(φ^ℓ) of every leaf, and its top class. */
  const Q = leafLogits.map(softmax);
  const leafClass = Q.map((q) => argMax(q));

  /** β(x·w_i + b_i), four running sums so the loop pipelines. */
  const logit = (i: number, x: ArrayLike<number>) => {
    const row = i * F;
    let [s0, s1, s2, s3] = [0, 0, 0, 0];
    let j = 0;
    for (; j + 3 < F; j += 4) {
      s0 += weights[row + j] * x[j];
      s1 += weights[row + j + 1] * x[j + 1];
      s2 += weights[row + j + 2] * x[j + 2];
      s3 += weights[row + j + 3] * x[j + 3];
    }
    for (; j < F; j++) s0 += weights[row + j] * x[j];
    return beta * (biases[i] + s0 + s1 + s2 + s3);
  };

  /**
   * The whole tree: every node's logit z_i = β(x·w_i + b_i), branch p_i and log path
   * probability; the max-path leaf (0-based), its top class and Q^ℓ; the mixture Σ_ℓ P^ℓ(x) Q^ℓ.
   */
  const predict = (x: ArrayLike<number>) => {
    const z = new Float64Array(I);
    const branch = new Float64Array(I);
    const logPath = new Float64Array(I + L); // log P^root = 0
    for (let i = 0; i < I; i++) {
      z[i] = logit(i, x); // p_i = σ(β(x·w_i + b_i))
      branch[i] = 1 / (1 + Math.exp(-z[i]));
      logPath[left[i]] = logPath[i] - softplus(z[i]); // left: log(1 − σ(z))
      logPath[right[i]] = logPath[i] - softplus(-z[i]); // right: log σ(z)
    }
    const leaf = argMax(logPath, I, I + L) - I;
    const mixture = new Float64Array(K);
    for (let l = 0; l < L; l++) {
      const p = Math.exp(logPath[I + l]);
      for (let k = 0; k < K; k++) mixture[k] += p * Q[l][k];
    }
    return { leaf, maxPathClass: leafClass[leaf], leafDistribution: Q[leaf], mixture, mixtureClass: argMax(mixture), z, branch, logPath };
  };

  /**
   * The max path alone, by best-first search: path probabilities only shrink going down, so
   * the first leaf taken from the frontier has the greatest P^ℓ(x) of all; on a trained tree
   * few nodes are opened.
   */
  const maxPath = (x: ArrayLike<number>) => {
    const z = new Float64Array(I);
    const frontier = [0];
    const logP = [0];
    let evaluated = 0;
    for (;;) {
      let best = 0;
      for (let k = 1; k < frontier.length; k++) if (logP[k] > logP[best] || (logP[k] === logP[best] && frontier[k] < frontier[best])) best = k;
      const [node, lp] = [frontier[best], logP[best]];
      frontier[best] = frontier[frontier.length - 1];
      logP[best] = logP[logP.length - 1];
      frontier.pop();
      logP.pop();
      if (node >= I) {
        const steps: { node: number; probabilityRight: number; right: boolean }[] = [];
        for (let t = node; t > 0; t = parent[t]) {
          const up = parent[t];
          steps.unshift({ node: up, probabilityRight: 1 / (1 + Math.exp(-z[up])), right: t === right[up] });
        }
        const leaf = node - I;
        return { leaf, maxPathClass: leafClass[leaf], leafDistribution: Q[leaf], logProbability: lp, steps, evaluated };
      }
      z[node] = logit(node, x);
      evaluated++;
      frontier.push(left[node], right[node]);
      logP.push(lp - softplus(z[node]), lp - softplus(-z[node])); // left: log(1 − σ(z)), right: log σ(z)
    }
  };

  return { innerCount: I, leafCount: L, classes: K, parent, leafDistributions: Q, leafClasses: leafClass, predict, maxPath };
}

export type TreeRule = ReturnType<typeof createTreeRule>;
