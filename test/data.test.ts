import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SdtError } from '../src/errors.js';
import { sha256File } from '../src/data/fileHashes.js';
import { readCsv } from '../src/data/csv.js';
import type { Dataset, Split } from '../src/data/dataset.js';
import { listDatasets, loadDataset } from '../src/data/datasets.js';
import { readIdx } from '../src/data/idx.js';
import { stratifiedSplit, validationSplit } from '../src/data/split.js';

const dir = mkdtempSync(join(tmpdir(), 'sdt-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

function idx(dims: number[], data: ArrayLike<number>, type = 0x08): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(Array.from(data))]);
}

/** Runs `fn`, expecting an SdtError whose message contains every word. */
function expectSdtError(fn: () => unknown, ...words: string[]): SdtError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SdtError);
    for (const word of words) expect((error as Error).message).toContain(word);
    return error as SdtError;
  }
  throw new Error(`expected an SdtError containing ${words.join(', ')}`);
}

/** A folder of four tiny idx files shaped like MNIST. */
function imageFolder(name: string, options: { trainLabels?: number[]; trainImages?: number; size?: number; gzip?: boolean } = {}) {
  const size = options.size ?? 28;
  const trainImages = options.trainImages ?? 3;
  const labels = options.trainLabels ?? [0, 1, 2];
  const write = (base: string, bytes: Buffer) =>
    options.gzip ? file(`${name}/${base}.gz`, gzipSync(bytes)) : file(`${name}/${base}`, bytes);
  write('train-images-idx3-ubyte', idx([trainImages, size, size], new Uint8Array(trainImages * size * size).fill(255)));
  write('train-labels-idx1-ubyte', idx([labels.length], labels));
  write('t10k-images-idx3-ubyte', idx([2, size, size], new Uint8Array(2 * size * size).fill(51)));
  write('t10k-labels-idx1-ubyte', idx([2], [9, 3]));
  return join(dir, name);
}

describe('readIdx', () => {
  it('reads dims and data, plain and gzip', () => {
    const bytes = idx([2, 3], [1, 2, 3, 4, 5, 6]);
    const plain = readIdx(file('ok.idx', bytes));
    expect(plain.dims).toEqual([2, 3]);
    expect(Array.from(plain.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const zipped = readIdx(file('ok.idx.gz', gzipSync(bytes)));
    expect(zipped.dims).toEqual([2, 3]);
    expect(Array.from(zipped.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects a missing file', () => expectSdtError(() => readIdx(join(dir, 'absent.idx')), 'absent.idx', 'no such file'));
  it('rejects an empty file', () => expectSdtError(() => readIdx(file('empty.idx', '')), 'empty.idx', 'empty'));
  it('rejects a truncated header', () => {
    expectSdtError(() => readIdx(file('short.idx', idx([2, 3], []).subarray(0, 9))), 'short.idx', 'truncated header');
    expectSdtError(() => readIdx(file('tiny.idx', Buffer.from([0, 0]))), 'tiny.idx', 'truncated header');
  });
  it('rejects truncated data', () =>
    expectSdtError(() => readIdx(file('cut.idx', idx([2, 3], [1, 2, 3, 4]))), 'cut.idx', 'truncated', 'expected 6 bytes', 'found 4'));
  it('rejects extra data', () =>
    expectSdtError(() => readIdx(file('long.idx', idx([2], [1, 2, 3]))), 'long.idx', '1 extra bytes'));
  it('rejects a wrong magic number', () => {
    expectSdtError(() => readIdx(file('magic.idx', Buffer.from('PK\x03\x04garbage'))), 'magic.idx', 'magic number');
    expectSdtError(() => readIdx(file('float.idx', idx([1], [0, 0, 0, 0], 0x0d))), 'float.idx', 'magic number', 'offset 2', 'float');
    expectSdtError(() => readIdx(file('rank.idx', Buffer.from([0, 0, 8, 7]))), 'rank.idx', 'magic number', '7 dimensions');
  });
  it('rejects a corrupt gzip file', () => {
    const broken = gzipSync(idx([4], [1, 2, 3, 4])).subarray(0, 12);
    expectSdtError(() => readIdx(file('broken.idx.gz', broken)), 'broken.idx.gz', 'corrupt gzip');
  });
});

describe('sha256File', () => {
  it('hashes the bytes and stays the same on repeat', () => {
    const path = file('hash.txt', 'abc');
    const sum = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(sha256File(path)).toBe(sum);
    expect(sha256File(path)).toBe(sum);
    writeFileSync(path, 'abcd');
    expect(sha256File(path)).not.toBe(sum);
  });
});

describe('loadDataset on crafted image folders', () => {
  it('loads plain and gzip folders through --data-dir', () => {
    for (const gzip of [false, true]) {
      const data = loadDataset('mnist', { dataDir: imageFolder(gzip ? 'gz' : 'plain', { gzip }) });
      expect(data.train.n).toBe(3);
      expect(data.test.n).toBe(2);
      expect(data.inputShape).toEqual([28, 28, 1]);
      expect(data.train.x[0]).toBe(1);
      expect(data.test.x[0]).toBeCloseTo(0.2, 6);
      expect(Array.from(data.test.y)).toEqual([9, 3]);
      expect(data.files.map((f) => f.role)).toEqual(['train-images', 'train-labels', 'test-images', 'test-labels']);
      expect(data.files[0].path.endsWith(gzip ? '.gz' : 'ubyte')).toBe(true);
    }
  });
  it('rejects an image/label count mismatch', () => {
    const folder = imageFolder('mismatch', { trainImages: 4 });
    expectSdtError(() => loadDataset('mnist', { dataDir: folder }), 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte', '4 images', '3 labels');
  });
  it('rejects a label out of range with its offset', () => {
    const folder = imageFolder('range', { trainLabels: [0, 12, 1] });
    expectSdtError(() => loadDataset('fashion-mnist', { dataDir: folder }), 'train-labels-idx1-ubyte', 'label 12', 'offset 9');
  });
  it('rejects images that are not 28×28', () =>
    expectSdtError(() => loadDataset('mnist', { dataDir: imageFolder('big', { size: 32 }) }), 'train-images-idx3-ubyte', '32×32'));
  it('rejects a missing folder or file with a suggestion', () => {
    const error = expectSdtError(() => loadDataset('fashion-mnist', { dataDir: join(dir, 'nowhere') }), 'nowhere', 'does not exist');
    expect(error.suggestion).toContain('apt-get install dataset-fashion-mnist');
    const folder = imageFolder('partial');
    rmSync(join(folder, 't10k-labels-idx1-ubyte'));
    expectSdtError(() => loadDataset('mnist', { dataDir: folder }), 'partial', 't10k-labels-idx1-ubyte');
  });
  it('rejects an unknown dataset, naming the known ones', () =>
    expectSdtError(() => loadDataset('cifar'), 'cifar', 'mnist, fashion-mnist, csv:PATH'));
  it('lists a folder that lacks files as not found', () => {
    const [mnist] = listDatasets({ dataDir: join(dir, 'nowhere') });
    expect(mnist.found).toBe(false);
    expect(mnist.problem).toContain('does not exist');
  });
});

describe('readCsv', () => {
  const csv = (name: string, text: string) => file(name, text);

  it('detects a header and reads string labels', () => {
    const table = readCsv(csv('header.csv', 'a,b,kind\r\n1,2,dog\r\n3,4,cat\r\n5,6,dog\r\n'));
    expect(table.featureNames).toEqual(['a', 'b']);
    expect(table.classNames).toEqual(['cat', 'dog']);
    expect(Array.from(table.y)).toEqual([1, 0, 1]);
    expect(Array.from(table.x)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('reads a file without header, word labels and all', () => {
    const table = readCsv(csv('plain.csv', '1,2,dog\n3,4,cat'));
    expect(table.n).toBe(2);
    expect(table.featureNames).toEqual(['column 1', 'column 2']);
  });
  it('sorts numeric labels numerically', () => {
    const table = readCsv(csv('numeric.csv', '1,10\n2,9\n3,2\n'));
    expect(table.classNames).toEqual(['2', '9', '10']);
    expect(Array.from(table.y)).toEqual([2, 1, 0]);
  });
  it('finds the label column by name and by index', () => {
    const path = csv('label.csv', 'kind,a,b\nx,1,2\ny,3,4\n');
    expect(readCsv(path, { labelColumn: 'kind' }).featureNames).toEqual(['a', 'b']);
    expect(readCsv(path, { labelColumn: 0 }).classNames).toEqual(['x', 'y']);
    expect(readCsv(path, { labelColumn: -3 }).classNames).toEqual(['x', 'y']);
    expectSdtError(() => readCsv(path, { labelColumn: 'colour' }), 'label.csv', 'no column named "colour"');
    expectSdtError(() => readCsv(path, { labelColumn: 5 }), 'label.csv', 'index 5');
  });
  it('reads quoted cells holding commas and quotes', () => {
    const table = readCsv(csv('quoted.csv', 'a,"b, c",label\n1,"2",\"say \"\"hi\"\", ok"\n3,4,plain\n'));
    expect(table.featureNames).toEqual(['a', 'b, c']);
    expect(table.classNames).toEqual(['plain', 'say "hi", ok']);
  });
  it('rejects text, NaN, Infinity and empty cells with line, column and value', () => {
    expectSdtError(() => readCsv(csv('text.csv', 'a,b,y\n1,2,0\n1,two,1\n')), 'text.csv', 'line 3', 'column "b"', '"two"', 'not a number');
    expectSdtError(() => readCsv(csv('nan.csv', 'a,b,y\n1,2,0\n3,NaN,1\n')), 'nan.csv', 'line 3', 'column "b"', '"NaN"', 'not a finite number');
    expectSdtError(() => readCsv(csv('inf.csv', 'a,b,y\n1,2,0\n-Infinity,1,1\n')), 'inf.csv', 'line 3', 'column "a"', 'Infinity', 'not a finite');
    expectSdtError(() => readCsv(csv('huge.csv', 'a,y\n1,0\n1e39,1\n')), 'huge.csv', 'line 3', '"1e39"', 'too large');
    expectSdtError(() => readCsv(csv('hole.csv', 'a,b,y\n1,2,0\n\n4,,1\n')), 'hole.csv', 'line 4', 'column "b"', 'empty');
  });
  it('rejects ragged rows, no rows, one class and missing files', () => {
    expectSdtError(() => readCsv(csv('ragged.csv', 'a,b,y\n1,2,0\n1,2\n')), 'ragged.csv', 'ragged', 'line 3', '2 cells');
    expectSdtError(() => readCsv(csv('none.csv', 'a,b,y\n')), 'none.csv', 'no data rows');
    expectSdtError(() => readCsv(csv('void.csv', '\n')), 'void.csv', 'no data rows');
    expectSdtError(() => readCsv(csv('one.csv', 'a,y\n1,cat\n2,cat\n')), 'one.csv', 'only one class');
    expectSdtError(() => readCsv(join(dir, 'gone.csv')), 'gone.csv', 'no such file');
  });
});

describe('loadDataset csv:PATH', () => {
  const tiny = fileURLToPath(new URL('../datasets/fixtures/tiny.csv', import.meta.url));

  it('splits the fixture deterministically, stratified, scaled by training statistics', () => {
    const a = loadDataset(`csv:${tiny}`, { seed: 3 });
    const b = loadDataset(`csv:${tiny}`, { seed: 3 });
    expect(a.classNames).toEqual(['alpha', 'beta', 'gamma']);
    expect(a.featureNames).toEqual(['x1', 'x2', 'x3', 'x4']);
    expect(a.inputShape).toEqual([4]);
    expect([a.train.n, a.test.n]).toEqual([48, 12]);
    expect(histogram(a.test.y, 3)).toEqual([4, 4, 4]);
    expect(Array.from(a.train.x)).toEqual(Array.from(b.train.x));
    // Standardised with training statistics: every feature has mean 0 and variance 1 there.
    for (let f = 0; f < 4; f++) {
      const column = Array.from({ length: a.train.n }, (_, i) => a.train.x[i * 4 + f]);
      const mean = column.reduce((s, v) => s + v, 0) / column.length;
      expect(mean).toBeCloseTo(0, 5);
      expect(column.reduce((s, v) => s + (v - mean) ** 2, 0) / column.length).toBeCloseTo(1, 4);
    }
    const raw = readCsv(tiny);
    const { scale, offset } = a.preprocessing as { scale: number[]; offset: number[] };
    const rows = new Set(Array.from({ length: raw.n }, (_, i) => key(raw.x, i, 4, (v, f) => v * scale[f] + offset[f])));
    for (const split of [a.train, a.test]) for (let i = 0; i < split.n; i++) expect(rows.has(key(split.x, i, 4))).toBe(true);
    expect(a.files[0].role).toBe('table');
    expect(loadDataset(`csv:${tiny}`, { seed: 4 }).train.y).not.toEqual(a.train.y);
  });
  it('takes #label= and limit, and checks them', () => {
    const data = loadDataset(`csv:${tiny}#label=label`, { limit: 5 });
    expect(data.featureNames).toEqual(['x1', 'x2', 'x3', 'x4']);
    expect([data.train.n, data.test.n]).toEqual([5, 5]);
    const first = file('first.csv', 'kind,a\nx,1\ny,2\nx,3\ny,4\nx,5\n');
    const byIndex = loadDataset(`csv:${first}#label=0`, { testFraction: 0.4 });
    expect(byIndex.featureNames).toEqual(['a']);
    expect(byIndex.classNames).toEqual(['x', 'y']);
    expect([byIndex.train.n, byIndex.test.n]).toEqual([3, 2]);
    expectSdtError(() => loadDataset(`csv:${tiny}`, { limit: 0 }), 'limit');
    expectSdtError(() => loadDataset(`csv:${tiny}`, { testFraction: 1 }), 'test fraction');
    expectSdtError(() => loadDataset('csv:'), 'csv:PATH');
  });
  it('keeps a class-sorted table balanced', () => {
    const all: Split = { x: new Float32Array(10), y: Int32Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]), n: 10 };
    const { train, test } = stratifiedSplit(all, 1, 2, 0.4, 1);
    expect(histogram(test.y, 2)).toEqual([2, 2]);
    expect(train.n).toBe(6);
  });
});

describe('real MNIST', () => {
  let mnist: Dataset;
  beforeAll(() => {
    mnist = loadDataset('mnist');
  });

  it('has 60000/10000 examples, the known label histogram, pixels in [0, 1]', () => {
    expect([mnist.train.n, mnist.test.n]).toEqual([60000, 10000]);
    expect(histogram(mnist.train.y, 10)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    let min = Infinity;
    let max = -Infinity;
    for (const v of mnist.train.x) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect([min, max]).toEqual([0, 1]);
    expect(mnist.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });
  it('records the checksums of the manifest', () => {
    const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('../datasets/manifest.json', import.meta.url)), 'utf8'));
    expect(mnist.files.map((f) => f.sha256)).toEqual(manifest.mnist.files.map((f: { sha256: string }) => f.sha256));
    const listed = listDatasets().find((d) => d.name === 'mnist')!;
    expect(listed.found).toBe(true);
    expect(listed.trainLabelHistogram).toEqual(manifest.mnist.trainLabelHistogram);
  });
  it('splits off a validation set deterministically, disjoint and complete', () => {
    const a = validationSplit(mnist.train, 784, 0.1, 42);
    const b = validationSplit(mnist.train, 784, 0.1, 42);
    expect([a.train.n, a.validation.n]).toEqual([54000, 6000]);
    expect(a.validation.y).toEqual(b.validation.y);
    expect(rowKeys(a.validation)).toEqual(rowKeys(b.validation));
    const whole = rowKeys(mnist.train);
    const parts = [...rowKeys(a.train), ...rowKeys(a.validation)].sort();
    expect(parts).toEqual(whole.sort());
    expect(validationSplit(mnist.train, 784, 0.1, 43).validation.y).not.toEqual(a.validation.y);
    expect(validationSplit(mnist.train, 784, 0, 42).validation.n).toBe(0);
  });
  it('limits both splits', () => {
    const small = loadDataset('mnist', { limit: 100 });
    expect([small.train.n, small.test.n, small.train.x.length]).toEqual([100, 100, 78400]);
    expect(small.train.x).toEqual(mnist.train.x.subarray(0, 78400));
    expect(loadDataset('mnist', { limit: 20000 }).test.n).toBe(10000);
  });
});

describe('validationSplit', () => {
  it('splits rows so that every row appears exactly once', () => {
    const train: Split = { x: Float32Array.from({ length: 50 }, (_, i) => i), y: new Int32Array(50), n: 50 };
    const { train: rest, validation } = validationSplit(train, 1, 0.2, 7);
    expect(validation.n).toBe(10);
    expect([...rest.x, ...validation.x].sort((p, q) => p - q)).toEqual(Array.from(train.x));
    expectSdtError(() => validationSplit(train, 1, 1.5, 7), 'validation fraction');
  });
});

describe.skipIf(!existsSync('/usr/share/datasets/fashion-mnist'))('real Fashion-MNIST', () => {
  it('has 60000/10000 examples and the class names', () => {
    const fashion = loadDataset('fashion-mnist');
    expect([fashion.train.n, fashion.test.n]).toEqual([60000, 10000]);
    expect(fashion.classNames[0]).toBe('T-shirt/top');
    expect(fashion.classNames[9]).toBe('Ankle boot');
    expect(histogram(fashion.train.y, 10)).toEqual(new Array(10).fill(6000));
  });
});

function histogram(y: Int32Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const k of y) counts[k]++;
  return counts;
}

function key(x: Float32Array, i: number, features: number, map = (v: number, _f: number) => v): string {
  return Array.from(x.subarray(i * features, (i + 1) * features), (v, f) => Math.fround(map(v, f)).toFixed(5)).join(',');
}

/** A cheap fingerprint of each row with its label, to compare splits as multisets. */
function rowKeys(split: Split): string[] {
  const keys: string[] = [];
  for (let i = 0; i < split.n; i++) {
    let h = 0;
    for (let f = 0; f < 784; f++) h = (Math.imul(h, 31) + Math.round(split.x[i * 784 + f] * 255)) | 0;
    keys.push(`${split.y[i]}:${h}`);
  }
  return keys;
}
