/**
 * Tables as a user brings them: scikit-learn's bundled CSV files (Debian python3-sklearn),
 * the MLP teacher, and the defaults that fit a small table (step floor, batch clamp, the
 * later of tied validation epochs).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { loadDataset } from '../src/data/datasets.js';
import { fitToData, MIN_STEPS, trainingRows } from '../src/distill/fitToData.js';
import { train, type Learner } from '../src/distill/train.js';
import { CNN_MIN_STEPS, CNN_TEACHER_DEFAULTS, TEACHER_DEFAULTS, trainTeacher } from '../src/distill/trainTeacher.js';
import { TREE_DEFAULTS } from '../src/distill/trainTree.js';
import { teacherArchOf, teacherLogits } from '../src/models/teacher.js';
import { loadTeacher } from '../src/models/teacherFile.js';
import { sdt, SKLEARN } from './run.js';

/** Where Debian's python3-sklearn puts its bundled data (.ci/run installs it). */
const wine = join(SKLEARN, 'wine_data.csv');
const scratch = mkdtempSync(join(tmpdir(), 'sdt-tabular-'));

describe('scikit-learn bundled tables', () => {
  it('are found (install python3-sklearn)', () => {
    for (const name of ['breast_cancer.csv', 'wine_data.csv', 'digits.csv.gz']) expect(existsSync(join(SKLEARN, name)), name).toBe(true);
  });

  it('skip the count header and take its class names', () => {
    const cancer = loadDataset(`csv:${join(SKLEARN, 'breast_cancer.csv')}`, { seed: 1 });
    expect(cancer.classNames).toEqual(['malignant', 'benign']);
    expect(cancer.train.n + cancer.test.n).toBe(569);
    expect(cancer.inputShape).toEqual([30]);
    expect(loadDataset(`csv:${wine}`).classNames).toEqual(['class_0', 'class_1', 'class_2']);
  });

  it('read gzip-compressed files (digits.csv.gz, no header)', () => {
    const digits = loadDataset(`csv:${join(SKLEARN, 'digits.csv.gz')}`);
    expect(digits.train.n + digits.test.n).toBe(1797);
    expect(digits.inputShape).toEqual([64]);
    expect(digits.classNames).toHaveLength(10);
  });
});

describe('notes on a table', () => {
  it('name constant features and classes too small to be tested', () => {
    const rows = ['a,b,label', ...Array.from({ length: 40 }, (_, i) => `${i},7,${i % 2 ? 'x' : 'y'}`), '3,7,rare'];
    const path = join(scratch, 'notes.csv');
    writeFileSync(path, rows.join('\n'));
    const notes = loadDataset(`csv:${path}`).notes ?? [];
    expect(notes.some((n) => /feature "b" is constant/.test(n))).toBe(true);
    expect(notes.some((n) => /class "rare" has too few examples/.test(n))).toBe(true);
  });
});

describe('fitToData', () => {
  const all = () => false;
  it("leaves MNIST at its defaults: 54,000 training images, 25 tree epochs, the CNN's 3 epochs, batch 128", () => {
    const rows = trainingRows(60000, 0.1);
    expect(rows).toBe(54000);
    for (const [defaults, floor] of [[TREE_DEFAULTS, MIN_STEPS], [{ ...TEACHER_DEFAULTS, ...CNN_TEACHER_DEFAULTS }, CNN_MIN_STEPS]] as const) {
      const fitted = fitToData(defaults, rows, all, floor);
      expect(fitted.options).toEqual(defaults);
      expect(fitted.notes).toEqual([]);
    }
  });

  it('clamps a batch size that was not given to a tenth of the rows (at least 16), with a note', () => {
    const fitted = fitToData(TREE_DEFAULTS, 127, all);
    expect(fitted.options.batchSize).toBe(16);
    expect(fitted.notes[0]).toMatch(/batch size 16/);
    expect(fitToData(TREE_DEFAULTS, 410, all).options.batchSize).toBe(41);
    expect(fitToData(TREE_DEFAULTS, 10, all).options.batchSize).toBe(10);
  });

  it('raises the epochs to the step floor unless they were given', () => {
    const fitted = fitToData(TREE_DEFAULTS, 1294, all);
    const steps = Math.ceil(1294 / fitted.options.batchSize);
    expect(steps * fitted.options.epochs).toBeGreaterThanOrEqual(MIN_STEPS);
    expect(steps * (fitted.options.epochs - 1)).toBeLessThan(MIN_STEPS);
    expect(fitted.notes.some((n) => /epochs/.test(n))).toBe(true);
    expect(fitToData(TREE_DEFAULTS, 1294, (name) => name === 'epochs').options.epochs).toBe(25);
    expect(fitToData(TREE_DEFAULTS, 1294, all, 0).options.epochs).toBe(25);
  });

  it('keeps a given batch size and refuses one larger than the data', () => {
    expect(fitToData({ ...TREE_DEFAULTS, batchSize: 7 }, 127, () => true).options.batchSize).toBe(7);
    expect(() => fitToData(TREE_DEFAULTS, 100, () => true)).toThrow(/--batch-size 128 is larger than the 100 training examples/);
  });
});

describe('the best epoch', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  /** A one-weight learner whose validation accuracy follows a script, so ties are certain. */
  function scripted(accuracies: number[]): Learner {
    const w = tf.variable(tf.scalar(0));
    let epoch = 0;
    return {
      trainable: [w],
      loss: () => tf.square(tf.sub(w, 1)) as tf.Scalar,
      accuracy: () => accuracies[epoch++],
      snapshot: () => [Float32Array.of(w.dataSync()[0])],
      restore: ([a]) => w.assign(tf.scalar(a[0])),
    };
  }
  const data = { x: new Float32Array(8), targets: new Float32Array(8).fill(1), n: 8, inputShape: [1], classes: 1 };
  const validation = { x: new Float32Array(1), y: new Int32Array(1), n: 1 };
  const settings = { epochs: 5, batchSize: 4, optimizer: 'adam' as const, momentum: 0, learningRate: 0.01, schedule: 'constant' as const, patience: 0, seed: 1 };

  it('is the later of tied validation accuracies', async () => {
    const result = await train(scripted([0.5, 0.9, 0.9, 0.8, 0.9]), data, validation, settings);
    expect(result.bestEpoch).toBe(5);
  });

  it('is still the best one when it is unique', async () => {
    const result = await train(scripted([0.5, 0.95, 0.9, 0.8, 0.9]), data, validation, settings);
    expect(result.bestEpoch).toBe(2);
  });
});

describe('the MLP teacher', () => {
  let backend: Awaited<ReturnType<typeof initBackend>>;
  beforeAll(async () => {
    backend = await initBackend('wasm');
  });

  it('fits a small table and saves a model that loads with the same outputs', async () => {
    const dataset = loadDataset(`csv:${wine}`, { seed: 1 });
    const options = { ...TEACHER_DEFAULTS, arch: 'mlp' as const, hidden: [32, 16], epochs: 60, batchSize: 16 };
    const trained = await trainTeacher(dataset, options, join(scratch, 'mlp'), backend, { seed: 1 });
    expect(trained.testAccuracy).toBeGreaterThan(0.8);
    const loaded = await loadTeacher(join(scratch, 'mlp'));
    expect(teacherArchOf(loaded)).toBe('mlp');
    const again = teacherLogits(loaded, dataset.test);
    let worst = 0;
    again.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - trained.testLogits[i]))));
    expect(worst).toBeLessThan(1e-5);
    const manifest = JSON.parse(readFileSync(join(scratch, 'mlp', 'manifest.json'), 'utf8'));
    expect(manifest.config).toMatchObject({ arch: 'mlp', hidden: [32, 16] });
  });
});

describe('sdt distill on a small table', () => {
  it('trains the MLP teacher, both trees and CART end to end', () => {
    const out = join(scratch, 'distill-wine');
    const run = sdt(['distill', '--dataset', `csv:${wine}`, '--depth', '3', '--min-steps', '400', '--teacher-min-steps', '400', '--teacher-hidden', '32', '--out', out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/note: tree batch size 16/);
    const { rows } = JSON.parse(run.stdout);
    expect(rows.map((r: { model: string }) => r.model)).toEqual(['MLP teacher', 'soft tree, hard labels', 'soft tree, distilled (T = 4, α = 0.5)', 'CART (max depth 8)']);
    for (const row of rows) expect(row.maxPathAccuracy).toBeGreaterThan(0.6);
    const baseline = JSON.parse(readFileSync(join(out, 'baseline', 'manifest.json'), 'utf8'));
    expect(baseline.config).toMatchObject({ batchSize: 16, epochs: 50 });
    // The MLP keeps its own recipe; the CNN's (sdt teacher's test) is for images.
    const teacher = JSON.parse(readFileSync(join(out, 'teacher', 'manifest.json'), 'utf8'));
    expect(teacher.config).toMatchObject({ arch: 'mlp', lr: TEACHER_DEFAULTS.lr, schedule: TEACHER_DEFAULTS.schedule, dropout: TEACHER_DEFAULTS.dropout });
  });

  it('refuses a CNN teacher for a table in one sentence', () => {
    const run = sdt(['teacher', '--dataset', `csv:${wine}`, '--arch', 'cnn', '--out', join(scratch, 'cnn')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the CNN teacher needs image data; .* so use --arch mlp/);
  });
});
