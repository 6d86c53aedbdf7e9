import { gzipSync } from 'node:zlib';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { loadDataset } from '../src/data/datasets.js';
import { labelTargets, trainTree, TREE_DEFAULTS } from '../src/distill/trainTree.js';
import { oneHot } from '../src/data/oneHot.js';
import { train } from '../src/distill/train.js';
import { createSoftTree, type SoftTree, type TreeConfig } from '../src/models/sdt.js';
import { pathsForward } from '../src/models/pathProbabilities.js';
import { pathProbabilities } from './pathOp.js';
import { parseTreeFile, readTreeFile, treeFileFrom, treeParametersOf } from '../src/models/treeFile.js';
import { createTreePredictor } from '../src/models/treePredictor.js';
import { PREDICT_BATCH, predictTree, treeLearner } from '../src/models/sdtBatches.js';
import { innerCount, leafCount, pathToLeaf } from '../src/models/treeNodes.js';
import { randomSource } from '../src/random.js';

const config = (over: Partial<TreeConfig>): TreeConfig => ({
  depth: 3, features: 5, classes: 3, beta: 1, learnBeta: false, lambda: 0.1, penaltyLevel: 'mean', alphaWindow: 0, seed: 1, ...over,
});
const randomMatrix = (rows: number, cols: number, seed: number, scale = 1) => {
  const r = randomSource(seed);
  return tf.tensor2d(Float32Array.from({ length: rows * cols }, () => (r() * 2 - 1) * scale), [rows, cols]);
};

beforeAll(async () => {
  await initBackend('wasm');
});

describe('createSoftTree', () => {
  it.each([1, 2, 4, 6])('path probabilities of the leaves sum to 1 per example (depth %i)', (depth) => {
    const tree = createSoftTree(config({ depth }));
    const x = randomMatrix(7, 5, depth, 3);
    const I = innerCount(depth);
    const { p, q } = tree.branchProbabilities(x);
    const paths = pathsForward(p, q, 7, I);
    for (let r = 0; r < 7; r++) expect(paths.subarray(r * (2 * I + 1) + I, (r + 1) * (2 * I + 1)).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    tree.dispose();
    x.dispose();
  });

  it('picks the leaf of greatest path probability in a hand-built tree', () => {
    // Depth 2 on two inputs: the root splits on x0, node 1 (left) on x1, node 2 (right) on −x1.
    const tree = createSoftTree(config({ depth: 2, features: 2, classes: 4, beta: 10 }));
    const weights = new Float32Array([1, 0, 0, /* x1 → */ 0, 1, -1]); // [F = 2, I = 3]
    const leafLogits = new Float32Array(16);
    for (let l = 0; l < 4; l++) leafLogits[l * 4 + l] = 5; // leaf ℓ says class ℓ
    tree.write({ weights, biases: new Float32Array([0, 0, 0]), leafLogits, beta: 10 });
    // Leaves in order: left-left, left-right, right-left, right-right.
    const x = Float32Array.from([-1, -1, -1, 1, 1, 1, 1, -1]);
    const p = predictTree(tree, { x, y: new Int32Array(4), n: 4 });
    expect(Array.from(p.leaf)).toEqual([0, 1, 2, 3]);
    expect(Array.from(p.maxPath)).toEqual([0, 1, 2, 3]);
    tree.dispose();
  });

  it.each([1, 4, 8, 12])('loss, penalty and gradients are finite at depth %i, also for huge |x·w|', (depth) => {
    const tree = createSoftTree(config({ depth, features: 6, classes: 4 }));
    for (const scale of [1, 1e4]) {
      const x = randomMatrix(16, 6, depth + scale, scale);
      const { loss, gradients } = tree.gradients(x.dataSync() as Float32Array, oneHot(Int32Array.from({ length: 16 }, (_, i) => i % 4), 4), 16);
      expect(Number.isFinite(loss)).toBe(true);
      expect(gradients).toHaveLength(tree.trainable.length);
      for (const g of gradients) expect(g.every(Number.isFinite)).toBe(true);
      x.dispose();
    }
    tree.dispose();
  });

  it('learns a tiny problem that a depth-2 tree separates to 100 %', async () => {
    // Four classes, one per quadrant of the unit square, with a margin around the centre lines.
    const random = randomSource(5);
    const n = 200;
    const x = new Float32Array(n * 2);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const a = random() < 0.5 ? 0 : 1;
      const b = random() < 0.5 ? 0 : 1;
      x[2 * i] = a * 0.6 + random() * 0.4;
      x[2 * i + 1] = b * 0.6 + random() * 0.4;
      y[i] = 2 * a + b;
    }
    const tree = createSoftTree(config({ depth: 2, features: 2, classes: 4 }));
    const split = { x, y, n };
    await train(treeLearner(tree), { x, targets: oneHot(y, 4), n, inputShape: [2], classes: 4 }, split, {
      epochs: 150, batchSize: 32, optimizer: 'adam', momentum: 0, learningRate: 0.05, schedule: 'constant', patience: 0, seed: 1,
    });
    const p = predictTree(tree, split);
    expect(Array.from(p.maxPath)).toEqual(Array.from(y));
    tree.dispose();
  });
});

/** The predictions as tensor ops (predictTree's fused product, then the path walk as ops): the oracle. */
function predictByTensorOps(tree: SoftTree, x: tf.Tensor2D) {
  const { depth, features: F, classes: K } = tree.config;
  const [I, L] = [innerCount(depth), leafCount(depth)];
  const { weights, biases, leafLogits, beta } = tree.read();
  return tf.tidy(() => {
    const z = tf.mul(tf.fused.matMul({ a: x, b: tf.tensor2d(weights, [F, I]), bias: tf.tensor1d(biases) }), beta) as tf.Tensor2D;
    const leafPath = tf.slice(pathProbabilities(z), [0, I], [-1, L]);
    const Q = tf.softmax(tf.tensor2d(leafLogits, [L, K]));
    const leaf = tf.argMax(leafPath, 1);
    const mixtureProbabilities = tf.matMul(leafPath, Q);
    return {
      leaf: leaf.dataSync(),
      maxPath: tf.gather(tf.argMax(Q, 1), leaf).dataSync(),
      mixture: tf.argMax(mixtureProbabilities, 1).dataSync(),
      leafProbability: tf.max(leafPath, 1).dataSync(),
      mixtureProbabilities: mixtureProbabilities.dataSync(),
    };
  });
}

describe('predictTree', () => {
  it.each([7, 256, PREDICT_BATCH])('gives the tensor ops\' classes and leaves exactly, probabilities to float32 rounding, on a trained tree (batches of %i)', async (batch) => {
    const dataset = loadDataset('mnist', { limit: 600 });
    const tree = createSoftTree(config({ depth: 5, features: 784, classes: 10, beta: 2 }));
    await train(treeLearner(tree), { x: dataset.train.x, targets: oneHot(dataset.train.y, 10), n: dataset.train.n, inputShape: [784], classes: 10 }, undefined, {
      epochs: 2, batchSize: 64, optimizer: 'adam', momentum: 0, learningRate: 0.01, schedule: 'constant', patience: 0, seed: 1,
    });
    const { test } = dataset;
    const x = tf.tensor2d(test.x, [test.n, 784]);
    const expected = predictByTensorOps(tree, x);
    const got = predictTree(tree, test, batch);
    for (const key of ['leaf', 'maxPath', 'mixture'] as const) expect(Array.from(got[key])).toEqual(Array.from(expected[key]));
    got.leafProbability.forEach((v, i) => expect(v).toBe(expected.leafProbability[i])); // the same float32 products
    got.mixtureProbabilities.forEach((v, i) => expect(Math.abs(v - expected.mixtureProbabilities[i])).toBeLessThanOrEqual(2 ** -23));
    expect(new Set(got.leaf).size).toBeGreaterThan(1); // a tree that routes, not one leaf for all
    tf.dispose(x);
    tree.dispose();
  });
});

/**
 * The 0/1 matrix [2I, I + L] with log path probabilities = [log p, log(1 − p)] · matrix:
 * entry 1 where the path from the root to node t takes that branch (the oracle).
 */
function routingMatrix(depth: number): Float32Array {
  const inner = innerCount(depth);
  const nodes = inner + leafCount(depth);
  const m = new Float32Array(2 * inner * nodes);
  for (let t = 1; t < nodes; t++) {
    for (let child = t; child > 0; child = (child - 1) >> 1) {
      const parent = (child - 1) >> 1;
      m[(child % 2 === 0 ? parent : inner + parent) * nodes + t] = 1; // even child = right branch
    }
  }
  return m;
}

describe('pathProbabilities', () => {
  it.each([1, 4, 7])('gives the values and gradients of the product with the routing matrix (depth %i)', (depth) => {
    const I = innerCount(depth);
    const nodes = I + leafCount(depth);
    const z = randomMatrix(6, I, 7, 3);
    const weights = tf.randomNormal([6, nodes], 0, 1, 'float32', 5); // a loss that weighs every node differently
    const both = (paths: (z: tf.Tensor2D) => tf.Tensor2D) => tf.valueAndGrad((zz: tf.Tensor) => tf.sum(tf.mul(paths(zz as tf.Tensor2D), weights)))(z);
    const routing = tf.tensor2d(routingMatrix(depth), [2 * I, nodes]);
    // log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z)
    const byMatrix = both((zz) => tf.exp(tf.matMul(tf.concat([tf.neg(tf.softplus(tf.neg(zz))), tf.neg(tf.softplus(zz))], 1), routing)));
    const byWalk = both(pathProbabilities);
    expect(byWalk.value.dataSync()[0]).toBeCloseTo(byMatrix.value.dataSync()[0], 4);
    const [g1, g2] = [byWalk.grad.dataSync(), byMatrix.grad.dataSync()];
    expect(g1.length).toBe(6 * I);
    g1.forEach((g, i) => expect(g).toBeCloseTo(g2[i], 4));
  });

  it('gives P = 1 at the root and sums to one over each level', () => {
    const depth = 3;
    const p = pathProbabilities(randomMatrix(4, innerCount(depth), 11, 2)).arraySync() as number[][];
    for (const row of p) {
      expect(row[0]).toBe(1);
      for (let d = 1; d <= depth; d++) expect(row.slice(2 ** d - 1, 2 ** (d + 1) - 1).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
  });

  it('keeps the small branch of a confident node to float32 precision', () => {
    const P = pathProbabilities(tf.tensor2d([[12], [-20], [30]])).arraySync() as number[][];
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    expect(Math.abs(P[0][1] / sigmoid(-12) - 1)).toBeLessThan(1e-5); // left of z = 12: 6.1e-6
    expect(Math.abs(P[1][2] / sigmoid(-20) - 1)).toBeLessThan(1e-5); // right of z = −20: 2.1e-9
    expect(Math.abs(P[2][1] / sigmoid(-30) - 1)).toBeLessThan(1e-5); // left of z = 30: 9.4e-14
  });

  it('keeps finite gradients when a branch probability underflows', () => {
    const z = tf.tensor2d([[200, -200, 50]]); // σ(±200) is 0 or 1 in float32
    const g = tf.grad((zz: tf.Tensor) => tf.sum(tf.mul(pathProbabilities(zz as tf.Tensor2D), tf.range(1, 8))))(z).dataSync();
    for (const v of g) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('pathToLeaf', () => {
  it('walks the layout by hand: leaf 5 of depth 3 is node 12 = right of 5, left of 2, right of 0', () => {
    expect(pathToLeaf(3, 5)).toEqual([{ node: 0, right: true }, { node: 2, right: false }, { node: 5, right: true }]);
    expect(pathToLeaf(1, 0)).toEqual([{ node: 0, right: false }]);
  });
});

describe('sdt-tree/1 files and the pure predictor', () => {
  it('round-trips the parameters exactly through JSON', () => {
    const tree = createSoftTree(config({ depth: 4, features: 9, classes: 3 }));
    const parameters = tree.read();
    const file = treeFileFrom(parameters, 4, { inputShape: [9], classNames: ['a', 'b', 'c'], preprocessing: { scale: 1, offset: 0 }, training: {} });
    const back = treeParametersOf(parseTreeFile(JSON.parse(JSON.stringify(file)), 'memory'));
    expect(back.weights).toEqual(parameters.weights);
    expect(back.biases).toEqual(parameters.biases);
    expect(back.leafLogits).toEqual(parameters.leafLogits);
    expect(file.inner.weights.length).toBe(innerCount(4));
    expect(file.leaves.logits.length).toBe(leafCount(4));
    tree.dispose();
  });

  it('gives the same leaf and class as the tfjs model on every test example, probabilities within 1e-5', async () => {
    const dataset = loadDataset('mnist', { limit: 1500 });
    const trained = await trainTree(dataset, labelTargets(dataset.train.y, 10), { ...TREE_DEFAULTS, depth: 5, epochs: 2 });
    const predictor = createTreePredictor(parseTreeFile(JSON.parse(JSON.stringify(trained.file)), 'memory'));
    let maxDifference = 0;
    for (let i = 0; i < dataset.test.n; i++) {
      const p = predictor.predict(dataset.test.x.subarray(i * 784, (i + 1) * 784));
      expect(p.leaf).toBe(trained.predictions.leaf[i]);
      expect(p.maxPathClass).toBe(trained.predictions.maxPath[i]);
      // The best-first search finds the same leaf, and its steps are that leaf's ancestors.
      const path = predictor.maxPath(dataset.test.x.subarray(i * 784, (i + 1) * 784));
      expect(path.leaf).toBe(p.leaf);
      expect(path.logProbability).toBeCloseTo(p.logPath[innerCount(5) + p.leaf], 9);
      expect(path.steps.map((s) => s.probabilityRight)).toEqual(path.steps.map((s) => expect.closeTo(p.branch[s.node], 12)));
      expect(path.steps.length).toBe(5);
      for (let k = 0; k < 10; k++) maxDifference = Math.max(maxDifference, Math.abs(p.mixture[k] - trained.predictions.mixtureProbabilities[i * 10 + k]));
    }
    expect(maxDifference).toBeLessThan(1e-5);
  });

  it('is deterministic: the same seed gives the same metrics', async () => {
    const dataset = loadDataset('mnist', { limit: 600 });
    const run = () => trainTree(dataset, labelTargets(dataset.train.y, 10), { ...TREE_DEFAULTS, depth: 3, epochs: 2 });
    const [a, b] = [await run(), await run()];
    expect(a.training.history.map((h) => h.loss)).toEqual(b.training.history.map((h) => h.loss));
    expect(a.test).toEqual(b.test);
  });

  describe('refuses a bad model file with one sentence naming it', () => {
    const folder = mkdtempSync(join(tmpdir(), 'sdt-model-'));
    const good = treeFileFrom(
      { weights: new Float32Array(4 * 3), biases: new Float32Array(3), leafLogits: new Float32Array(4 * 2), beta: 1 },
      2,
      { inputShape: [4], classNames: ['no', 'yes'], preprocessing: { scale: 1, offset: 0 }, training: {} },
    );
    const cases: [string, string | Buffer, RegExp][] = [
      ['other-format.json', JSON.stringify({ ...good, format: 'keras' }), /format "keras"/],
      ['no-format.json', JSON.stringify({ depth: 2 }), /not an sdt tree/],
      ['wrong-shape.json', JSON.stringify({ ...good, inner: { ...good.inner, weights: good.inner.weights.slice(1) } }), /inner.weights/],
      ['short-row.json', JSON.stringify({ ...good, inner: { ...good.inner, weights: [[1, 2], ...good.inner.weights.slice(1)] } }), /inner.weights\[0\]/],
      ['non-finite.json', JSON.stringify(good).replace('"beta":1', '"beta":"NaN"'), /beta/],
      ['truncated.json', JSON.stringify(good).slice(0, 40), /not valid JSON/],
      ['truncated.json.gz', gzipSync(JSON.stringify(good)).subarray(0, 30), /not valid gzip/],
      ['empty.json', '', /empty/],
      ['edited.json', JSON.stringify({ ...good, beta: 2 }), /does not match its checksum/],
    ];
    it.each(cases)('%s', (name, content, problem) => {
      const path = join(folder, name);
      writeFileSync(path, content);
      expect(() => readTreeFile(path)).toThrowError(problem);
      expect(() => readTreeFile(path)).toThrowError(path);
    });
    it('a good file loads', () => {
      const path = join(folder, 'good.json');
      writeFileSync(path, JSON.stringify(good));
      expect(readTreeFile(path).depth).toBe(2);
    });
  });
});
