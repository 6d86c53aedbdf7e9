import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { loadDataset } from '../src/data/datasets.js';
import { learningRateAt } from '../src/distill/optimizer.js';
import { CNN_TEACHER_DEFAULTS, TEACHER_DEFAULTS, TEACHER_WARMUP, trainTeacher } from '../src/distill/trainTeacher.js';
import { MILD } from '../src/data/augment.js';
import { expectOneSentence, sdt, SKLEARN } from './run.js';
import { teacherLogits } from '../src/models/teacher.js';
import { loadTeacher } from '../src/models/teacherFile.js';
import { dropoutMask } from '../src/models/dropoutMask.js';

const scratch = mkdtempSync(join(tmpdir(), 'sdt-teacher-'));

describe('the CNN teacher', () => {
  let backend: Awaited<ReturnType<typeof initBackend>>;
  beforeAll(async () => {
    backend = await initBackend('wasm');
  });
  const dataset = loadDataset('mnist', { limit: 600 });
  const options = { ...TEACHER_DEFAULTS, epochs: 2 };

  it('trains on wasm, is seeded, and saves a model that loads with the same outputs', async () => {
    const a = await trainTeacher(dataset, options, join(scratch, 'a'), backend, { seed: 1 });
    const b = await trainTeacher(dataset, options, join(scratch, 'b'), backend, { seed: 1 });
    expect(b.testAccuracy).toBe(a.testAccuracy);
    const loaded = await loadTeacher(join(scratch, 'a'));
    const again = teacherLogits(loaded, dataset.test);
    let worst = 0;
    again.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - a.testLogits[i]))));
    expect(worst).toBeLessThan(1e-5);
    expect(a.testAccuracy).toBeGreaterThan(0.3);
    // The logits are model.predict's, computed in one onnxruntime graph (cnnGraphs.ts): equal to float rounding.
    const byPredict = tf.tidy(() => (loaded.predict(tf.tensor(dataset.test.x, [dataset.test.n, 28, 28, 1])) as tf.Tensor).dataSync());
    let apart = 0;
    again.forEach((v, i) => (apart = Math.max(apart, Math.abs(v - byPredict[i]) / Math.max(1, Math.abs(byPredict[i])))));
    expect(apart).toBeLessThan(1e-5);
  });

  it('refuses a teacher folder whose weights do not fit its model', async () => {
    writeFileSync(join(scratch, 'a', 'weights.bin'), Buffer.alloc(12));
    await expect(loadTeacher(join(scratch, 'a'))).rejects.toThrow(/weights.bin holds 12 bytes; the model needs \d+/);
  });
});

describe("sdt teacher's recipe", () => {
  it("is the CNN's for images, except for the settings given", () => {
    const out = join(scratch, 'recipe');
    const run = sdt(['teacher', '--limit', '300', '--epochs', '1', '--lr', '0.001', '--out', out, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const { config } = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const { schedule, dropout } = CNN_TEACHER_DEFAULTS;
    expect(config).toMatchObject({ epochs: 1, lr: 0.001, schedule, dropout, warmup: TEACHER_WARMUP });
  });
});

describe('sdt teacher --augment', () => {
  const config = (out: string) => JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).config;
  const run = (name: string, extra: string[]) => {
    const out = join(scratch, name);
    const result = sdt(['teacher', '--limit', '300', '--epochs', '2', '--out', out, '--quiet', ...extra]);
    expect(result.code, result.stderr).toBe(0);
    return out;
  };

  it('trains on distorted images (mild, or the strengths given), recorded in its manifest, and is seeded', () => {
    const [plain, mild, again, rotated] = [run('plain', []), run('mild', ['--augment']), run('mild-again', ['--augment']), run('rotated', ['--augment', 'rotation=20,shift=2'])];
    expect(config(plain).augment).toBeUndefined(); // an unaugmented teacher's configuration reads as before
    expect(config(mild).augment).toEqual(MILD);
    expect(config(rotated).augment).toEqual({ rotation: 20, shift: 2, scale: 0, shear: 0, elastic: 0 });
    const weights = (out: string) => readFileSync(join(out, 'weights.bin'));
    expect(weights(mild).equals(weights(plain))).toBe(false);
    expect(weights(rotated).equals(weights(mild))).toBe(false);
    expect(weights(again).equals(weights(mild))).toBe(true);
  });

  it('refuses a strength it does not know and a table, in one sentence', () => {
    const unknown = sdt(['teacher', '--limit', '300', '--augment', 'spin=3', '--out', join(scratch, 'spin')]);
    expect(expectOneSentence(unknown)).toBe('sdt: --augment takes mild or name=value pairs of rotation, shift, scale, shear, elastic, not "spin=3".');
    const table = sdt(['teacher', '--dataset', `csv:${join(SKLEARN, 'wine_data.csv')}`, '--augment', '--epochs', '1', '--out', join(scratch, 'wine')]);
    expect(expectOneSentence(table)).toMatch(/^sdt: --augment distorts images; .*wine_data.* has inputs of shape \[13\]\.$/);
    expect(existsSync(join(scratch, 'wine'))).toBe(false); // refused before its folder was made
  });
});

describe('the warmup-cosine schedule', () => {
  const at = (progress: number) => learningRateAt(3e-3, 'warmup-cosine', progress, 0.2);
  it('rises linearly from 0 over the warm-up, peaks at the rate, then decays as a cosine to 0', () => {
    expect(at(0)).toBe(0);
    expect(at(0.1)).toBeCloseTo(1.5e-3, 12);
    expect(at(0.2)).toBeCloseTo(3e-3, 12);
    // Half-way through the decay (0.2 + 0.8 / 2) the cosine is at half the rate.
    expect(at(0.6)).toBeCloseTo(1.5e-3, 12);
    expect(at(1)).toBeCloseTo(0, 12);
    for (let p = 0.21; p < 1; p += 0.1) expect(at(p + 0.05)).toBeLessThan(at(p));
  });
  it('without warm-up is the plain cosine, which ignores the warm-up share', () => {
    for (const p of [0, 0.3, 0.7, 1]) {
      expect(learningRateAt(1e-3, 'warmup-cosine', p, 0)).toBeCloseTo(learningRateAt(1e-3, 'cosine', p, 0.5), 15);
    }
  });
});

describe('the dropout mask', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each([
    [128 * 3136, 0.25, 7],
    [1000, 0.5, 123456789],
    [77, 0.1, 0],
    [5000, 0.9, 2 ** 30 + 3],
    [400, 1e-8, 15962], // u + keep rounds to 2 at index 306: tf.dropout doubles that value
    [50, 0, 3], // tf.dropout leaves x as it is
  ])("is tf.dropout's, bit for bit: %i values at rate %f, seed %i", (size, rate, seed) => {
    const reference = tf.tidy(() => tf.dropout(tf.ones([size]), rate, undefined, seed).dataSync());
    const ours = dropoutMask(size, rate, seed);
    expect(Buffer.compare(Buffer.from(ours.buffer), Buffer.from(reference.buffer, reference.byteOffset, reference.byteLength))).toBe(0);
  });

  it('refuses a rate outside [0, 1), as tf.dropout does', () => {
    for (const rate of [1, -0.1, Number.NaN]) expect(() => dropoutMask(10, rate, 1)).toThrow(/dropout rate is in \[0, 1\)/);
  });
});
