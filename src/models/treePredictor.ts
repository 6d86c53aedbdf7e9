/**
 * Runs an sdt-tree/1 file without TensorFlow.js: typed arrays and double precision, for
 * explanations, embedding and checking the tfjs model.
 */
import type { TreeFile } from './treeFile.js';
import { innerCount, leafCount } from './treeLayout.js';

export interface TreePrediction {
  /** The leaf of greatest path probability (0-based leaf number) and its top class. */
  leaf: number;
  maxPathClass: number;
  /** Q^ℓ of that leaf. */
  leafDistribution: Float64Array;
  /** Σ_ℓ P^ℓ(x) Q^ℓ and its top class. */
  mixture: Float64Array;
  mixtureClass: number;
  /** p_i(x), the probability of going right, for every inner node. */
  branch: Float64Array;
  /** log P^t(x) for every node t (inner nodes, then leaves). */
  logPath: Float64Array;
}

/** The explanation of one example: its max path, found without evaluating the whole tree. */
export interface MaxPath {
  leaf: number;
  maxPathClass: number;
  leafDistribution: Float64Array;
  /** log P^ℓ(x) of that leaf. */
  logProbability: number;
  /** Root first: each inner node on the path, p_i(x), and whether the path turns right. */
  steps: { node: number; probabilityRight: number; right: boolean }[];
  /** How many inner nodes the search evaluated (of 2^D − 1). */
  evaluated: number;
}

export interface TreePredictor {
  features: number;
  classes: number;
  /** Model input from raw values (pixels 0–255, CSV numbers) via the file's preprocessing. */
  preprocess(raw: ArrayLike<number>): Float32Array;
  predict(x: ArrayLike<number>): TreePrediction;
  maxPath(x: ArrayLike<number>): MaxPath;
}

const softplus = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

function argMax(values: ArrayLike<number>, from = 0, to = values.length): number {
  let best = from;
  for (let i = from + 1; i < to; i++) if (values[i] > values[best]) best = i;
  return best;
}

function softmax(logits: number[]): Float64Array {
  const m = Math.max(...logits);
  const e = Float64Array.from(logits, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function createTreePredictor(file: TreeFile): TreePredictor {
  const I = innerCount(file.depth);
  const L = leafCount(file.depth);
  const F = file.inputShape.reduce((a, b) => a * b, 1);
  const K = file.classNames.length;
  const weights = new Float32Array(I * F); // row i is node i's filter
  file.inner.weights.forEach((w, i) => weights.set(w, i * F));
  const biases = Float64Array.from(file.inner.biases);
  const Q = file.leaves.logits.map(softmax);
  const leafClass = Q.map((q) => argMax(q));
  const { scale, offset } = file.preprocessing;
  const at = (p: number | number[], j: number) => (typeof p === 'number' ? p : p[j]);

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
    return file.beta * (biases[i] + s0 + s1 + s2 + s3);
  };

  return {
    features: F,
    classes: K,
    preprocess: (raw) => Float32Array.from({ length: F }, (_, j) => raw[j] * at(scale, j) + at(offset, j)),
    predict(x) {
      const branch = new Float64Array(I);
      const logPath = new Float64Array(I + L); // log P^root = 0
      for (let i = 0; i < I; i++) {
        const z = logit(i, x); // p_i = σ(β(x·w_i + b_i))
        branch[i] = 1 / (1 + Math.exp(-z));
        logPath[2 * i + 1] = logPath[i] - softplus(z); // left: log(1 − σ(z))
        logPath[2 * i + 2] = logPath[i] - softplus(-z); // right: log σ(z)
      }
      const leafNode = argMax(logPath, I, I + L);
      const mixture = new Float64Array(K);
      for (let l = 0; l < L; l++) {
        const p = Math.exp(logPath[I + l]);
        for (let k = 0; k < K; k++) mixture[k] += p * Q[l][k];
      }
      const leaf = leafNode - I;
      return { leaf, maxPathClass: leafClass[leaf], leafDistribution: Q[leaf], mixture, mixtureClass: argMax(mixture), branch, logPath };
    },
    maxPath(x) {
      // Best-first search: path probabilities only shrink going down, so the first leaf taken
      // from the frontier has the greatest P^ℓ(x) of all; on a trained tree few nodes are opened.
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
          const leaf = node - I;
          const steps: MaxPath['steps'] = [];
          for (let t = node; t > 0; t = (t - 1) >> 1) {
            const parent = (t - 1) >> 1;
            steps.unshift({ node: parent, probabilityRight: 1 / (1 + Math.exp(-z[parent])), right: t === 2 * parent + 2 });
          }
          return { leaf, maxPathClass: leafClass[leaf], leafDistribution: Q[leaf], logProbability: lp, steps, evaluated };
        }
        z[node] = logit(node, x);
        evaluated++;
        frontier.push(2 * node + 1, 2 * node + 2);
        logP.push(lp - softplus(z[node]), lp - softplus(-z[node])); // left: log(1 − σ(z)), right: log σ(z)
      }
    },
  };
}

/** Every row of a split (already preprocessed, [n, features]) through the predictor. */
export function predictRows(predictor: TreePredictor, split: { x: Float32Array; n: number }): TreePrediction[] {
  const F = predictor.features;
  return Array.from({ length: split.n }, (_, i) => predictor.predict(split.x.subarray(i * F, (i + 1) * F)));
}
