import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/datasets.js';
import { treeFileFrom, type TreeFile } from '../src/models/treeFile.js';
import { createTreePredictor } from '../src/models/treePredictor.js';
import { innerCount, leafCount, pathToLeaf } from '../src/models/treeNodes.js';
import { writeJsonAtomic } from '../src/runs/files.js';
import { encodePng } from '../src/data/png.js';
import { closeBrowser, openPage } from './browser.js';
import { expectOneSentence, sdt } from './run.js';

const scratch = mkdtempSync(join(tmpdir(), 'sdt-explain-'));
const DEPTH = 3;
const LIMIT = '200';

/** A depth-D tree with fixed, input-dependent filters: smooth stripes and blobs, no training. */
function syntheticTree(depth: number, inputShape: number[], classNames: string[], extra: Partial<TreeFile> = {}): TreeFile {
  const I = innerCount(depth);
  const F = inputShape.reduce((a, b) => a * b, 1);
  const K = classNames.length;
  const weights = new Float32Array(F * I); // [F, I], as treeFileFrom takes them
  for (let j = 0; j < F; j++) {
    const [r, c] = [Math.floor(j / 28), j % 28];
    for (let i = 0; i < I; i++) weights[j * I + i] = 0.05 * Math.sin((r * (i + 1)) / 5 + (c * (i + 2)) / 7 + i);
  }
  const biases = Float32Array.from({ length: I }, (_, i) => 0.3 * Math.cos(i));
  const leafLogits = Float32Array.from({ length: leafCount(depth) * K }, (_, t) => (t % K === Math.floor(t / K) % K ? 3 : 0));
  return {
    ...treeFileFrom({ weights, biases, leafLogits, beta: 1 }, depth, {
      inputShape,
      classNames,
      preprocessing: { scale: 1 / 255, offset: 0 },
      training: { dataset: 'mnist' },
    }),
    ...extra,
  };
}

const modelPath = join(scratch, 'tree.json.gz');
let tree: TreeFile;
let test: { x: Float32Array; y: Int32Array; n: number };

/** The nodes of the max path the model file gives for test example `e`, root first, leaf last. */
function maxPath(e: number): number[] {
  const predictor = createTreePredictor(tree);
  const { leaf } = predictor.predict(test.x.subarray(e * 784, (e + 1) * 784));
  return [...pathToLeaf(DEPTH, leaf).map((s) => s.node), innerCount(DEPTH) + leaf];
}

const parse = (path: string) => new JSDOM(readFileSync(path, 'utf8'), { contentType: 'image/svg+xml' }).window.document;
const ids = (doc: Document, selector: string) => [...doc.querySelectorAll(selector)].map((e) => Number(e.getAttribute('data-node-id'))).sort((a, b) => a - b);
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

beforeAll(() => {
  tree = syntheticTree(DEPTH, [28, 28, 1], range(10).map(String));
  writeJsonAtomic(modelPath, tree);
  test = loadDataset('mnist', { limit: Number(LIMIT) }).test;
});

describe('sdt explain: the tree', () => {
  it('draws every node with data-node-id: 2^D − 1 filter images and 2^D leaves', () => {
    const out = join(scratch, 'full.svg');
    const run = sdt(['explain', '--model', modelPath, '--out', out, '--limit', LIMIT, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const doc = parse(out);
    expect(ids(doc, 'g.node')).toEqual(range(innerCount(DEPTH) + leafCount(DEPTH)));
    expect(doc.querySelectorAll('g.node.inner image.filter')).toHaveLength(innerCount(DEPTH));
    expect(doc.querySelectorAll('g.node.leaf')).toHaveLength(leafCount(DEPTH));
    expect(doc.querySelectorAll('[data-on-path]')).toHaveLength(0);
    // Every leaf names its top class; the key has a colour legend; edges carry their share.
    expect(doc.querySelectorAll('g.node.leaf text.top-class')).toHaveLength(leafCount(DEPTH));
    expect(doc.querySelector('#sdt-diverging')).not.toBeNull();
    const edges = [...doc.querySelectorAll('path.edge')];
    expect(edges).toHaveLength(innerCount(DEPTH) + leafCount(DEPTH) - 1);
    expect(Number(edges[0].getAttribute('stroke-width'))).toBeGreaterThan(0);
  });

  it('--levels and --root limit the nodes drawn', () => {
    const cases: [string[], number[]][] = [
      [['--levels', '2'], [0, 1, 2]],
      [['--root', '2', '--levels', '2'], [2, 5, 6]],
      [['--root', '5'], [5, 11, 12]],
      [['--root', '9'], [9]],
    ];
    for (const [args, expected] of cases) {
      const out = join(scratch, `part-${args.join('')}.svg`);
      const run = sdt(['explain', '--model', modelPath, '--out', out, '--limit', LIMIT, '--quiet', ...args]);
      expect(run.code, run.stderr).toBe(0);
      expect(ids(parse(out), 'g.node'), args.join(' ')).toEqual(expected);
    }
  });

  it('is byte-identical when run twice', () => {
    const [a, b] = ['a.svg', 'b.svg'].map((name) => join(scratch, name));
    for (const out of [a, b]) expect(sdt(['explain', '--model', modelPath, '--out', out, '--limit', LIMIT, '--index', '3', '--quiet']).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it('--png writes a PNG beside the SVG', () => {
    const out = join(scratch, 'with-png.svg');
    const run = sdt(['explain', '--model', modelPath, '--out', out, '--limit', LIMIT, '--png', '--index', '1', '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const png = readFileSync(join(scratch, 'with-png.png'));
    expect(png.length).toBeGreaterThan(1000);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });
});

describe('sdt explain: one example', () => {
  it('--index highlights exactly the max path the model file gives (D + 1 nodes, ending at its leaf)', () => {
    for (const index of [0, 7, 42]) {
      const out = join(scratch, `why-${index}.svg`);
      const run = sdt(['explain', '--model', modelPath, '--out', out, '--limit', LIMIT, '--index', String(index), '--json']);
      expect(run.code, run.stderr).toBe(0);
      const path = maxPath(index);
      expect(JSON.parse(run.stdout).explanation.path).toEqual(path);
      const doc = parse(out);
      expect(ids(doc, 'g.tree g.node[data-on-path="true"]')).toEqual([...path].sort((a, b) => a - b));
      expect(ids(doc, 'g.explanation [data-node-id]')).toEqual([...path].sort((a, b) => a - b));
      expect(path).toHaveLength(DEPTH + 1);
      // The panel: one step per inner node on the path, each with input, filter and product.
      const steps = [...doc.querySelectorAll('g.step')];
      expect(steps.map((s) => Number(s.getAttribute('data-node-id')))).toEqual(path.slice(0, -1));
      for (const step of steps) expect([...step.querySelectorAll('image')].map((i) => i.getAttribute('class'))).toEqual(['input', 'filter', 'product']);
      expect(doc.querySelectorAll('[data-on-path="true"]:not([data-node-id])').length).toBe(DEPTH); // the path's edges
    }
  });

  it('--path-only draws the path and its leaf, not the tree', () => {
    const out = join(scratch, 'path-only.svg');
    const run = sdt(['explain', '--model', modelPath, '--out', out, '--limit', LIMIT, '--index', '4', '--path-only', '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const doc = parse(out);
    const path = maxPath(4);
    expect(ids(doc, '[data-node-id]')).toEqual([...path].sort((a, b) => a - b));
    expect(doc.querySelectorAll('g.node.inner')).toHaveLength(0);
  });

  it('--input explains a PNG the way the model file does', () => {
    const e = 11;
    const pixels = test.x.subarray(e * 784, (e + 1) * 784);
    const rgb = new Uint8Array(784 * 3);
    pixels.forEach((v, p) => rgb.fill(Math.round(v * 255), 3 * p, 3 * p + 3));
    const png = join(scratch, 'digit.png');
    writeFileSync(png, encodePng(28, 28, rgb));
    const run = sdt(['explain', '--model', modelPath, '--out', join(scratch, 'digit.svg'), '--limit', LIMIT, '--input', png, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).explanation.path).toEqual(maxPath(e));
    // Dark ink on white paper, as people draw digits, is inverted to the dataset's convention.
    const paper = join(scratch, 'digit-on-paper.png');
    writeFileSync(paper, encodePng(28, 28, rgb.map((v) => 255 - v)));
    const inverted = sdt(['explain', '--model', modelPath, '--out', join(scratch, 'paper.svg'), '--limit', LIMIT, '--input', paper, '--json']);
    expect(inverted.code, inverted.stderr).toBe(0);
    expect(JSON.parse(inverted.stdout).explanation.path).toEqual(maxPath(e));
  });

  it('--input takes a JPEG of any size, normalised as MNIST was, and says so in the drawing', async () => {
    const pixels = Uint8Array.from(test.x.subarray(11 * 784, 12 * 784), (v) => 255 - Math.round(v * 255));
    const photo = join(scratch, 'photo.jpg');
    writeFileSync(photo, await sharp(Buffer.from(pixels), { raw: { width: 28, height: 28, channels: 1 } }).resize(301, 301).extend({ top: 60, right: 37, background: '#ffffff' }).jpeg().toBuffer());
    const out = join(scratch, 'photo.svg');
    const run = sdt(['explain', '--model', modelPath, '--out', out, '--limit', LIMIT, '--input', photo, '--path-only']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/photo\.jpg: 338×361 JPEG, inverted .*cropped to the ink .*fitted into 20×20, centred by centre of mass in 28×28/);
    expect(readFileSync(out, 'utf8')).toContain('input x: ');
    expect(parse(out).querySelectorAll('g.step image.input')).toHaveLength(DEPTH);
  });
});

describe('sdt explain: tabular data', () => {
  it('shows the largest-|weight| features by name', () => {
    const names = ['sepal length', 'sepal width', 'petal length', 'petal width'];
    const rows = range(90).map((r) => [...range(4).map((f) => ((r * (f + 3)) % 17) / 4 + (r % 3) * (f + 1)), ['setosa', 'versicolor', 'virginica'][r % 3]].join(','));
    const csv = join(scratch, 'flowers.csv');
    writeFileSync(csv, [[...names, 'species'].join(','), ...rows].join('\n') + '\n');
    const file = syntheticTree(2, [4], ['setosa', 'versicolor', 'virginica'], { featureNames: names, preprocessing: { scale: [0.1, 0.1, 0.1, 0.1], offset: [0, 0, 0, 0] }, training: { dataset: `csv:${csv}` } });
    file.inner.weights = file.inner.weights.map((_, i) => range(4).map((f) => (f === i ? 2 : -0.5 * (f + 1))));
    delete file.checksum; // edited by hand above, as a file from another program would be: no checksum
    const model = join(scratch, 'flowers.json');
    writeJsonAtomic(model, file);
    const out = join(scratch, 'flowers.svg');
    const run = sdt(['explain', '--model', model, '--out', out, '--index', '0', '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const doc = parse(out);
    expect(doc.querySelectorAll('image')).toHaveLength(0);
    expect(ids(doc, 'g.tree g.node')).toEqual(range(7));
    const inner = doc.querySelector('g.node.inner[data-node-id="0"]')!;
    expect([...inner.querySelectorAll('g.feature')].map((f) => f.getAttribute('data-feature'))).toEqual(['sepal length', 'petal width', 'petal length', 'sepal width']);
    expect(doc.querySelector('g.step g.feature')).not.toBeNull();
    expect(doc.documentElement.textContent).toContain('setosa');
  });
});

describe('sdt explain: bad input is refused in one sentence, nothing written', () => {
  it.each([
    ['a missing model', () => ['--model', join(scratch, 'nope.json.gz')], /cannot read model file .*nope\.json\.gz/],
    ['a corrupt model', () => {
      const bad = join(scratch, 'corrupt.json.gz');
      writeFileSync(bad, Buffer.from([0x1f, 0x8b, 1, 2, 3, 4]));
      return ['--model', bad];
    }, /corrupt\.json\.gz is not valid gzip/],
    ['--index out of range', () => ['--model', modelPath, '--index', '5000'], /--index 5000 is outside the mnist test set \(examples 0–199\)/],
    ['--root not a node', () => ['--model', modelPath, '--root', '15'], /--root 15 is not a node of .* nodes 0–14/],
    ['an unreadable PNG', () => {
      const bad = join(scratch, 'garbage.png');
      writeFileSync(bad, 'not a png at all');
      return ['--model', modelPath, '--input', bad];
    }, /garbage\.png is not an image sharp can read/],
    ['a picture without ink', () => {
      const blank = join(scratch, 'blank.png');
      writeFileSync(blank, encodePng(40, 30, new Uint8Array(40 * 30 * 3).fill(255)));
      return ['--model', modelPath, '--input', blank];
    }, /blank\.png shows no ink/],
    ['--index with --input', () => ['--model', modelPath, '--index', '1', '--input', 'x.png'], /--index and --input both name an example/],
  ])('%s', (name, args, message) => {
    const out = join(scratch, `refused-${name.replace(/\W+/g, '-')}.svg`);
    const run = sdt(['explain', '--limit', LIMIT, ...args(), '--out', out, '--png', '--html']);
    expect(expectOneSentence(run)).toMatch(message);
    for (const ext of ['.svg', '.png', '.html']) expect(existsSync(out.replace(/\.svg$/, ext))).toBe(false);
  });

  it('--out that is not an .svg file', () => {
    const out = join(scratch, 'tree.png');
    expect(expectOneSentence(sdt(['explain', '--model', modelPath, '--out', out]))).toMatch(/--out .*tree\.png must name an \.svg file/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('sdt explain --html in headless Chromium', () => {
  afterAll(closeBrowser);

  it('loads offline without errors, and a click highlights exactly the max path', async () => {
    const out = join(scratch, 'page.svg');
    const run = sdt(['explain', '--model', modelPath, '--out', out, '--limit', LIMIT, '--html', '--examples', '12', '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const url = `file://${join(scratch, 'page.html')}`;
    const { page, errors, requests } = await openPage(url);
    for (const e of [9, 2]) {
      await page.click(`[data-example="${e}"]`);
      const highlighted = await page.$$eval('#tree [data-on-path="true"][data-node-id]', (els) => els.map((el) => Number(el.getAttribute('data-node-id'))));
      expect(highlighted.sort((a, b) => a - b)).toEqual(maxPath(e).sort((a, b) => a - b));
      const steps = await page.$$eval('#explanation .step:not(.leaf)', (els) => els.map((el) => Number(el.getAttribute('data-node-id'))));
      expect(steps).toEqual(maxPath(e).slice(0, -1));
    }
    await page.screenshot({ path: join(scratch, 'page.png'), fullPage: true });
    expect(readFileSync(join(scratch, 'page.png')).length).toBeGreaterThan(1000);
    expect(errors).toEqual([]);
    expect(requests.filter((r) => r !== url && !r.startsWith('data:'))).toEqual([]);
  });
});
