import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { augmentImage } from '../src/data/augment.js';
import { loadDataset } from '../src/data/datasets.js';
import { transferCopy, TRANSFER_DEFAULTS } from '../src/distill/transfer.js';
import { scheduledRate } from '../src/distill/train.js';
import { labelTargets, trainTree, TREE_DEFAULTS, type TargetRecipe } from '../src/distill/trainTree.js';
import { createSoftTree } from '../src/models/sdt.js';
import { randomSource, symmetricBetaSample } from '../src/random.js';
import { configDifferences } from '../src/runs/finishedRun.js';
import { sdt } from './run.js';

const scratch = mkdtempSync(join(tmpdir(), 'sdt-transfer-'));
const dataset = loadDataset('mnist', { limit: 600 });
const image = dataset.train.x.subarray(0, 784);
const none = { rotation: 0, shift: 0, scale: 0, shear: 0, elastic: 0 };

/** Centre of mass (row, column) of a 28 × 28 image. */
function centre(x: Float32Array): [number, number] {
  let [m, r, q] = [0, 0, 0];
  x.forEach((v, i) => {
    m += v;
    r += v * Math.floor(i / 28);
    q += v * (i % 28);
  });
  return [r / m, q / m];
}

describe('augmentImage', () => {
  it('with no distortion returns the image exactly', () => {
    expect(Array.from(augmentImage(image, [28, 28, 1], none, randomSource(1)))).toEqual(Array.from(image));
  });
  it('is deterministic by seed and differs between seeds', () => {
    const strength = { ...none, rotation: 10, shift: 2, scale: 0.1, shear: 5, elastic: 2 };
    const a = augmentImage(image, [28, 28, 1], strength, randomSource(7));
    expect(augmentImage(image, [28, 28, 1], strength, randomSource(7))).toEqual(a);
    expect(augmentImage(image, [28, 28, 1], strength, randomSource(8))).not.toEqual(a);
  });
  it('moves the ink by at most the largest shift, and keeps pixels in [0, 1]', () => {
    const [r0, q0] = centre(image);
    for (let seed = 1; seed <= 20; seed++) {
      const moved = augmentImage(image, [28, 28, 1], { ...none, shift: 2 }, randomSource(seed));
      const [r, q] = centre(moved);
      expect(Math.abs(r - r0)).toBeLessThan(2.05);
      expect(Math.abs(q - q0)).toBeLessThan(2.05);
      expect(moved.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
  });
  it('rotates about the centre: a centred 8 × 4 bar turned by 90° is a 4 × 8 bar about the same centre', () => {
    const square = new Float32Array(784);
    for (let r = 10; r < 18; r++) for (let q = 12; q < 16; q++) square[r * 28 + q] = 1;
    // ±90° drawn uniformly is rarely exactly 90°; rotate by a fixed angle through a generator that yields 1.
    const one = Object.assign(() => 1 - 1e-12, { state: () => 0 });
    const turned = augmentImage(square, [28, 28, 1], { ...none, rotation: 90 }, one);
    // The 8 × 4 bar becomes a 4 × 8 bar around the same centre.
    const [r, q] = centre(turned);
    expect(r).toBeCloseTo(13.5, 1);
    expect(q).toBeCloseTo(13.5, 1);
    const rows = new Set<number>();
    turned.forEach((v, i) => v > 0.5 && rows.add(Math.floor(i / 28)));
    expect(rows.size).toBe(4);
  });
});

describe('mixup', () => {
  it('draws Beta(a, a) weights with the right mean and variance', () => {
    const random = randomSource(3);
    for (const a of [0.4, 1, 4]) {
      const draws = Array.from({ length: 20000 }, () => symmetricBetaSample(a, random));
      const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
      const variance = draws.reduce((s, v) => s + (v - mean) ** 2, 0) / draws.length;
      expect(mean).toBeCloseTo(0.5, 1);
      expect(variance).toBeCloseTo(1 / (4 * (2 * a + 1)), 2);
    }
  });
  it('blends pairs of images and their labels with the same weight, deterministically per copy', () => {
    const rows = { x: dataset.train.x.subarray(0, 50 * 784), y: dataset.train.y.subarray(0, 50), n: 50 };
    const options = { ...TRANSFER_DEFAULTS, transfer: 'mixup' as const };
    const copy = transferCopy(rows, [28, 28, 1], 10, options, 1, 0);
    const F = 784;
    for (let i = 0; i < rows.n; i++) {
      const hard = copy.hard.subarray(i * 10, i * 10 + 10);
      expect(hard.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
      const other = [...hard.keys()].find((k) => k !== rows.y[i] && hard[k] > 0);
      if (other === undefined) continue; // blended with an image of its own class
      // Some image of the other class j makes the blend: x = λ·x_i + (1 − λ)·x_j, λ = the label weight.
      const lambda = hard[rows.y[i]];
      const blend = copy.x.subarray(i * F, (i + 1) * F);
      const error = (j: number) => blend.reduce((e, v, f) => Math.max(e, Math.abs(v - lambda * rows.x[i * F + f] - (1 - lambda) * rows.x[j * F + f])), 0);
      const partners = [...rows.y.keys()].filter((j) => rows.y[j] === other);
      expect(Math.min(...partners.map(error))).toBeLessThan(1e-5);
    }
    expect(transferCopy(rows, [28, 28, 1], 10, options, 1, 0)).toEqual(copy);
    expect(transferCopy(rows, [28, 28, 1], 10, options, 1, 1).x).not.toEqual(copy.x);
  });
});

describe('training on a transfer set', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  const options = { ...TREE_DEFAULTS, depth: 3, epochs: 3, transfer: 'augment' as const, copies: 2 };

  it('trains epoch e on copy (e − 1) mod K, each copy labelled through the recipe', async () => {
    const keys: string[] = [];
    const labels = labelTargets(dataset.train.y, 10);
    const spy: TargetRecipe = { plain: labels.plain, transformed: (x, n, hard, key) => (keys.push(key), labels.transformed(x, n, hard, key)) };
    const a = await trainTree(dataset, spy, options);
    expect(keys.map((k) => JSON.parse(k).copy)).toEqual([0, 1, 0]);
    const b = await trainTree(dataset, labelTargets(dataset.train.y, 10), options);
    expect(b.training.history.map((h) => h.loss)).toEqual(a.training.history.map((h) => h.loss));
    const plain = await trainTree(dataset, labelTargets(dataset.train.y, 10), { ...options, transfer: 'train' });
    expect(plain.training.history.map((h) => h.loss)).not.toEqual(a.training.history.map((h) => h.loss));
  });

  it('refuses to distort rows that are not images', async () => {
    const table = { ...dataset, inputShape: [784] };
    await expect(trainTree(table, labelTargets(dataset.train.y, 10), options)).rejects.toThrow(/distorts images/);
  });
});

describe('hardening', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  it('keeps β until --anneal-start, then raises it geometrically to --beta-end', () => {
    const tree = createSoftTree({ depth: 2, features: 4, classes: 2, beta: 1, learnBeta: false, betaEnd: 16, annealStart: 0.5, lambda: 0, penaltyLevel: 'mean', alphaWindow: 0, seed: 1 });
    const betaAt = (progress: number) => (tree.anneal(progress), tree.read().beta);
    expect(betaAt(0)).toBe(1);
    expect(betaAt(0.5)).toBe(1);
    expect(betaAt(0.75)).toBeCloseTo(4, 5);
    expect(betaAt(1)).toBeCloseTo(16, 5);
    tree.dispose();
  });

  it('records the test metrics before hardening and the share of committed max paths', async () => {
    const trained = await trainTree(dataset, labelTargets(dataset.train.y, 10), { ...TREE_DEFAULTS, depth: 3, epochs: 4, betaEnd: 50, annealStart: 0.5, validation: 0 });
    const before = trained.training.history.find((h) => h.report)!;
    expect(before.epoch).toBe(2);
    const { testBeforeHardening } = before.report as { testBeforeHardening: { committedShare: number; maxPathAccuracy: number } };
    expect(testBeforeHardening.maxPathAccuracy).toBeGreaterThan(0.1);
    // A larger β concentrates each example's probability on one path (without validation the last epoch is kept).
    expect(trained.test.committedShare).toBeGreaterThan(testBeforeHardening.committedShare);
    expect(trained.test.committedShare).toBeLessThanOrEqual(1);
  });

  it('--harden-lr restarts the cosine schedule at that share of the rate when hardening begins', async () => {
    const settings = { learningRate: 0.01, schedule: 'cosine' as const, restart: { at: 0.8, scale: 0.3 } };
    expect(scheduledRate(settings, 0)).toBeCloseTo(0.01, 12);
    expect(scheduledRate(settings, 0.4)).toBeCloseTo(0.005, 12); // half-way through the first run
    expect(scheduledRate(settings, 0.8)).toBeCloseTo(0.003, 12); // the restart
    expect(scheduledRate(settings, 0.9)).toBeCloseTo(0.0015, 12);
    expect(scheduledRate({ ...settings, restart: undefined }, 0.4)).toBeCloseTo(0.01 * 0.5 * (1 + Math.cos(Math.PI * 0.4)), 12);
    const trained = await trainTree(dataset, labelTargets(dataset.train.y, 10), { ...TREE_DEFAULTS, depth: 2, epochs: 4, betaEnd: 8, annealStart: 0.5, hardenLr: 0.5, validation: 0 });
    const rates = trained.training.history.map((h) => h.learningRate);
    expect(rates[2]).toBeGreaterThan(rates[1]); // epoch 3 starts the hardening phase's own schedule
  });

  it('a configuration recorded before --harden-lr existed is the same as one with --harden-lr 0', () => {
    const { hardenLr: _, ...older } = TREE_DEFAULTS;
    expect(configDifferences({ tree: older }, { tree: TREE_DEFAULTS })).toEqual([]);
    expect(configDifferences({ tree: older }, { tree: { ...TREE_DEFAULTS, hardenLr: 0.3 } })).toEqual(['tree.hardenLr unset (now 0.3)']);
  });
});

describe('sdt distill --transfer', () => {
  it('adds the tree on the transfer set\'s labels, so the table shows where a gain comes from', () => {
    const out = join(scratch, 'job');
    const run = sdt(['distill', '--limit', '600', '--teacher-epochs', '1', '--depth', '3', '--epochs', '2', '--cart-depth', '4', '--transfer', 'mixup', '--copies', '2', '--out', out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.rows.map((r: { model: string }) => r.model)).toEqual([
      'CNN teacher', 'soft tree, hard labels', 'soft tree, hard labels, mixup transfer set',
      'soft tree, distilled (T = 4, α = 0.5, mixup transfer set)', 'CART (max depth 4)',
    ]);
    expect(Object.keys(result.stageSeconds)).toEqual(['teacher', 'soft targets', 'baseline', 'baseline-mixup', 'distilled', 'cart']);
    expect(run.stderr).toMatch(/teacher logits on \d+ transfer images: computed/);
    const plain = JSON.parse(readFileSync(join(out, 'baseline', 'manifest.json'), 'utf8'));
    expect(plain.config.transfer).toBe('train');
    const distilled = JSON.parse(readFileSync(join(out, 'distilled', 'manifest.json'), 'utf8'));
    expect(distilled.config.transfer).toBe('mixup');
  });
});
