/**
 * The filter penalties (--filter-l1, --filter-smoothness): their value and gradient on known
 * weights, their effect on a tiny MNIST run, how runs record them, and their validation.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { loadDataset } from '../src/data/datasets.js';
import { labelTargets, trainTree, TREE_DEFAULTS } from '../src/distill/trainTree.js';
import { filterMeasures } from '../src/eval/filterMeasures.js';
import { filterPenalty } from '../src/models/filterPenalty.js';
import { withChecksum } from '../src/runs/checksum.js';
import { createSoftTree } from '../src/models/sdt.js';
import { randomSource } from '../src/random.js';
import { filterPenaltyOp } from './filterPenaltyOp.js';
import { expectOneSentence, sdt } from './run.js';

const scratch = mkdtempSync(join(tmpdir(), 'sdt-filters-'));

beforeAll(async () => {
  await initBackend('wasm');
});

/** Two filters over a 2×3 greyscale image, as columns of W [6, 2]: a known one and a constant one. */
const known = [1, -2, 0, 3, 1, -1]; // rows [1, −2, 0] and [3, 1, −1]
const constant = [2, 2, 2, 2, 2, 2];
const W = Float32Array.from(known.flatMap((v, j) => [v, constant[j]]));

/** The penalty's value and gradient [F, I] on filters `w` of `inner` nodes. */
function penalty(w: Float32Array, inner: number, options: object, imageShape: [number, number, number]) {
  const gradient = new Float32Array(w.length);
  return { value: filterPenalty(w, inner, options, imageShape, gradient), gradient };
}

describe('filterPenalty', () => {
  it('is λ1 Σ|w| + λ2 Σ(neighbouring pixels\' difference)², summed over the filters', () => {
    // L1: |known| = 8, |constant| = 12. Squared differences of `known`: across 9 + 4 + 4 + 4 = 21,
    // down 4 + 9 + 1 = 14, so 35; the constant filter's are 0.
    const value = (l1: number, smooth: number) => penalty(W, 2, { filterL1: l1, filterSmoothness: smooth }, [2, 3, 1]).value;
    expect(value(0.5, 0)).toBeCloseTo(0.5 * 20, 5);
    expect(value(0, 0.1)).toBeCloseTo(0.1 * 35, 5);
    expect(value(0.5, 0.1)).toBeCloseTo(13.5, 5);
    expect(penalty(W, 2, {}, [2, 3, 1])).toEqual({ value: 0, gradient: new Float32Array(12) });
  });

  it('has the gradient λ1 sign(w) + 2 λ2 Σ_neighbours (w_p − w_q), and tf\'s autodiff of the penalty as tensor ops agrees', () => {
    const [l1, smooth] = [0.5, 0.1];
    const { gradient } = penalty(W, 2, { filterL1: l1, filterSmoothness: smooth }, [2, 3, 1]);
    const neighbours = (p: number) => [p - 3, p + 3, p % 3 > 0 ? p - 1 : -1, p % 3 < 2 ? p + 1 : -1].filter((q) => q >= 0 && q < 6);
    known.forEach((v, p) => {
      const expected = l1 * Math.sign(v) + 2 * smooth * neighbours(p).reduce((s, q) => s + v - known[q], 0);
      if (v !== 0) expect(gradient[p * 2]).toBeCloseTo(expected, 5); // |w| has no derivative at 0
      expect(gradient[p * 2 + 1]).toBeCloseTo(l1, 5); // the constant filter: only the L1 term
    });
    // Three channels, three nodes, random weights: the pass against the tape.
    const random = randomSource(4);
    const w = Float32Array.from({ length: 3 * 4 * 3 * 3 }, () => random() * 2 - 1);
    const options = { filterL1: 0.3, filterSmoothness: 0.7 };
    const ours = penalty(w, 3, options, [3, 4, 3]);
    const theirs = tf.tidy(() => {
      const loss = (v: tf.Tensor) => filterPenaltyOp(v as tf.Tensor2D, options, [3, 4, 3]);
      const filters = tf.tensor2d(w, [36, 3]);
      return { value: loss(filters).dataSync()[0], gradient: tf.grad(loss)(filters).dataSync() };
    });
    expect(ours.value).toBeCloseTo(theirs.value, 4);
    ours.gradient.forEach((g, j) => expect(g).toBeCloseTo(theirs.gradient[j], 5));
  });

  it('takes differences within a channel, never across channels', () => {
    // One pixel row of two RGB-like pixels, the same colour in both: no difference.
    expect(penalty(Float32Array.of(1, -1, 3, 1, -1, 3), 1, { filterSmoothness: 1 }, [1, 2, 3]).value).toBe(0);
  });

  it('adds exactly its value to the soft tree\'s loss, and its gradient to ∂L/∂W', () => {
    const base = { depth: 1, features: 6, classes: 2, beta: 1, learnBeta: false, lambda: 0.1, penaltyLevel: 'mean' as const, alphaWindow: 0, seed: 3 };
    const plain = createSoftTree(base);
    const penalised = createSoftTree({ ...base, filterL1: 0.01, filterSmoothness: 0.02, imageShape: [2, 3, 1] });
    const x = Float32Array.of(0, 1, 0.5, 0.2, 0, 1, 1, 0, 0, 0.3, 0.9, 0);
    const targets = Float32Array.of(1, 0, 0, 1);
    const [a, b] = [plain, penalised].map((tree) => tree.gradients(x, targets, 2));
    const expected = penalty(plain.read().weights, 1, penalised.config, [2, 3, 1]);
    expect(b.loss - a.loss).toBeCloseTo(expected.value, 5);
    expect(expected.value).toBeGreaterThan(0);
    b.gradients[0].forEach((g, j) => expect(g - a.gradients[0][j]).toBeCloseTo(expected.gradient[j], 6));
    plain.dispose();
    penalised.dispose();
  });
});

describe('a tiny MNIST run with filter penalties', () => {
  it('makes the filters measurably sparser (L1) and smoother (smoothness)', async () => {
    const dataset = loadDataset('mnist', { limit: 1000 });
    const measure = async (penalties: object) => {
      const options = { ...TREE_DEFAULTS, depth: 2, epochs: 4, batchSize: 32, ...penalties };
      const trained = await trainTree(dataset, labelTargets(dataset.train.y, 10), options);
      expect(trained.file.training.options).toMatchObject(penalties); // the model file records them
      return { ...filterMeasures(trained.file.inner.weights, [28, 28, 1]), accuracy: trained.test.maxPathAccuracy };
    };
    const plain = await measure({});
    const sparse = await measure({ filterL1: 1e-3 });
    const smooth = await measure({ filterSmoothness: 1e-2 });
    expect(sparse.sparsity).toBeGreaterThan(plain.sparsity + 0.1);
    expect(sparse.nearZero).toBeGreaterThan(plain.nearZero + 0.1);
    expect(smooth.roughness!).toBeLessThan(plain.roughness! / 2);
    // Still trees that learnt something (ten classes, four leaves: chance is 10 %).
    for (const run of [plain, sparse, smooth]) expect(run.accuracy).toBeGreaterThan(0.25);
  });
});

describe('--filter-l1, --filter-smoothness', () => {
  const tiny = ['--limit', '300', '--depth', '2', '--epochs', '1', '--quiet'];

  it('are recorded in the run\'s configuration; a run recorded before they existed is the run at 0', { timeout: 300_000 }, () => {
    const plain = join(scratch, 'plain');
    expect(sdt(['baseline', ...tiny, '--out', plain]).code).toBe(0);
    const manifestPath = join(plain, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    expect(manifest.config).toMatchObject({ filterL1: 0, filterSmoothness: 0 });
    // The same folder as an older sdt wrote it: neither setting in its configuration.
    delete manifest.config.filterL1;
    delete manifest.config.filterSmoothness;
    writeFileSync(manifestPath, JSON.stringify(withChecksum(manifest)));
    const again = sdt(['baseline', ...tiny, '--filter-l1', '0', '--out', plain]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already holds this finished baseline run/);
    // Set, they are another configuration, named as such.
    expect(expectOneSentence(sdt(['baseline', ...tiny, '--filter-l1', '0.001', '--out', plain]))).toMatch(/filterL1 unset \(now 0\.001\)/);

    const penalised = join(scratch, 'penalised');
    expect(sdt(['baseline', ...tiny, '--filter-l1', '0.001', '--filter-smoothness', '0.01', '--out', penalised]).code).toBe(0);
    expect(JSON.parse(readFileSync(join(penalised, 'manifest.json'), 'utf8')).config).toMatchObject({ filterL1: 0.001, filterSmoothness: 0.01 });
  });

  it('are offered by sdt baseline, distill and study', { timeout: 300_000 }, () => {
    for (const command of ['baseline', 'distill', 'study']) {
      const help = sdt([command, '--help']).stdout;
      expect(help, command).toMatch(/--filter-l1 <λ1>/);
      expect(help, command).toMatch(/--filter-smoothness <λ2>/);
    }
  });

  it('refuse a negative strength, and smoothness on tabular data, in one sentence before anything is written', { timeout: 300_000 }, () => {
    expect(expectOneSentence(sdt(['baseline', '--filter-l1', '-1']))).toMatch(/--filter-l1 must be a number from 0 to 100, not "-1"/);
    expect(expectOneSentence(sdt(['baseline', '--filter-smoothness', 'smooth']))).toMatch(/--filter-smoothness must be a number/);
    const out = join(scratch, 'tabular');
    const refused = sdt(['baseline', '--dataset', 'csv:datasets/fixtures/tiny.csv', '--filter-smoothness', '0.1', '--out', out]);
    expect(expectOneSentence(refused)).toMatch(/--filter-smoothness penalises differences between neighbouring pixels, but .*tiny\.csv has inputs of shape \[\d+\], not images/);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });
});
