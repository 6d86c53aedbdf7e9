/**
 * The interactive page (`sdt explain --html`) in headless Chromium, on the committed MNIST
 * tree: a digit drawn with the mouse takes the max path `sdt explain --input` gives on the
 * same pixels, nodes open the subtree under them at any depth, and the strip filters.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/datasets.js';
import { normaliseImage } from '../src/data/imageInput.js';
import { readTreeFile, type TreeFile } from '../src/models/treeFile.js';
import { createTreePredictor } from '../src/models/treePredictor.js';
import { treeStructure } from '../src/models/treeStructure.js';
import { closeBrowser, openPage, type OpenedPage } from './browser.js';
import { sdt } from './run.js';

const scratch = mkdtempSync(join(tmpdir(), 'sdt-page-'));
const model = 'results/mnist/baseline-d8/tree.json.gz';
const LIMIT = '300';
const EXAMPLES = 200;
const html = join(scratch, 'page.html');
let file: TreeFile;
let opened: OpenedPage;
let page: Page;

/** What the page says it explains: its source and max path (node numbers, root first). */
async function pageState(): Promise<{ source: string; path: number[] }> {
  const { source, path } = await page.evaluate(() => ({ source: document.body.dataset.source ?? '', path: document.body.dataset.path ?? '' }));
  return { source, path: path.split(' ').filter(Boolean).map(Number) };
}

/** Moves the mouse to a point of the pad given as shares of its width and height. */
async function moveOnPad([x, y]: [number, number], steps = 1): Promise<void> {
  const box = (await page.locator('#pad-canvas').boundingBox())!;
  await page.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps });
}

/** One stroke on the pad through the points; the button stays down when `release` is false. */
async function stroke(points: [number, number][], { release = true } = {}): Promise<void> {
  await moveOnPad(points[0]);
  await page.mouse.down();
  for (const p of points.slice(1)) await moveOnPad(p, 6);
  if (release) await page.mouse.up();
}

/** The CLI on a picture: its max path and answer (--json). */
function cliExplains(png: string): { path: number[]; answer: string } {
  const run = sdt(['explain', '--model', model, '--limit', '20', '--input', png, '--out', png.replace(/\.png$/, '.svg'), '--json', '--quiet']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout).explanation;
}

/** The page's normalised input (what the model sees), 0–255 per pixel. */
const pageInk = async () => (await page.getAttribute('#pad-input', 'data-ink'))!.split(' ').map(Number);

/** The nodes of the view under `node`: its subtree, `levels` levels deep. */
function subtree(node: number, levels: number): number[] {
  const { inner, left, right } = treeStructure(file);
  return levels === 1 || node >= inner ? [node] : [node, ...subtree(left[node], levels - 1), ...subtree(right[node], levels - 1)];
}

const viewNodes = async () => (await page.$$eval('#tree-view [data-node-id]', (els) => els.map((e) => Number(e.getAttribute('data-node-id'))))).sort((a, b) => a - b);
const highlighted = async () => (await page.$$eval('#tree-view [data-on-path="true"][data-node-id]', (els) => els.map((e) => Number(e.getAttribute('data-node-id'))))).sort((a, b) => a - b);

beforeAll(async () => {
  file = readTreeFile(model);
  const run = sdt(['explain', '--model', model, '--out', join(scratch, 'page.svg'), '--limit', LIMIT, '--html', '--examples', String(EXAMPLES), '--quiet']);
  expect(run.code, run.stderr).toBe(0);
  opened = await openPage(`file://${html}`);
  page = opened.page;
});

afterAll(async () => {
  expect(opened.errors).toEqual([]);
  expect(opened.requests.filter((r) => r !== `file://${html}` && !r.startsWith('data:'))).toEqual([]);
  await closeBrowser();
});

describe('sdt explain --html: drawing', () => {
  it('updates the max path while a stroke is drawn, then agrees with sdt explain --input on the saved pixels', async () => {
    // A 7: the bar, then the stem, the button still held while the page already explains it.
    await stroke([[0.25, 0.2], [0.75, 0.2], [0.7, 0.35]], { release: false });
    await page.waitForFunction(() => document.body.dataset.source === 'drawing');
    const live = await pageState();
    expect(live.path.length).toBeGreaterThan(1);
    await moveOnPad([0.45, 0.85], 8);
    await page.mouse.up();
    const drawn = await pageState();
    expect(drawn.source).toBe('drawing');
    // The explanation panel walks the same path, one card per inner node, then the leaf.
    const cards = await page.$$eval('#explanation .step', (els) => els.map((e) => Number(e.getAttribute('data-node-id'))));
    expect(cards).toEqual(drawn.path);
    expect(await highlighted()).toEqual(drawn.path.filter((n) => n <= 14).sort((a, b) => a - b));

    const href = (await page.getAttribute('#pad-save', 'href'))!;
    expect(href).toMatch(/^data:image\/png;base64,/);
    const png = join(scratch, 'drawn-7.png');
    writeFileSync(png, Buffer.from(href.split(',')[1], 'base64'));
    const cli = cliExplains(png);
    expect(cli.path).toEqual(drawn.path);
    expect(await page.evaluate(() => document.body.dataset.answer)).toBe(cli.answer);
    // The same pixels, the same normalised input: the page's equals the CLI's, pixel for pixel.
    const { ink } = await normaliseImage(readFileSync(png), png, { width: 28, height: 28 });
    expect(await pageInk()).toEqual(Array.from(ink));
  });

  it('a second digit over a cleared pad changes the path, still the CLI\'s', async () => {
    const before = (await pageState()).path;
    await page.click('#pad-clear');
    // A blank pad explains nothing: no path, no cards, nothing marked in the tree.
    expect(await pageState()).toEqual({ source: '', path: [] });
    expect(await page.$$('#explanation .step')).toHaveLength(0);
    expect(await highlighted()).toEqual([]);
    await stroke([[0.5, 0.15], [0.3, 0.3], [0.28, 0.6], [0.45, 0.85], [0.68, 0.65], [0.7, 0.3], [0.5, 0.15]]);
    const zero = await pageState();
    expect(zero.path).not.toEqual(before);
    const png = join(scratch, 'drawn-0.png');
    writeFileSync(png, Buffer.from((await page.getAttribute('#pad-save', 'href'))!.split(',')[1], 'base64'));
    expect(cliExplains(png).path).toEqual(zero.path);
  });

  it('a chosen picture file goes through the same normalisation and path as sdt explain --input on that file', async () => {
    const test = loadDataset('mnist', { limit: 10 }).test;
    const pixels = Uint8Array.from(test.x.subarray(4 * 784, 5 * 784), (v) => 255 - Math.round(v * 255));
    const photo = join(scratch, 'photo.png');
    await sharp(Buffer.from(pixels), { raw: { width: 28, height: 28, channels: 1 } }).resize(150, 150).extend({ top: 30, left: 60, bottom: 5, right: 9, background: '#ffffff' }).png().toFile(photo);
    await page.setInputFiles('#pad-file', photo);
    await page.waitForFunction(() => /photo\.png/.test(document.querySelector('#explanation h2')?.textContent ?? ''));
    const { ink } = await normaliseImage(readFileSync(photo), photo, { width: 28, height: 28 });
    expect(await pageInk()).toEqual(Array.from(ink));
    expect((await pageState()).path).toEqual(cliExplains(photo).path);
  });
});

describe('sdt explain --html: navigating the tree', () => {
  it('opens the subtree under a clicked node at any depth, down the max path, and the breadcrumbs lead back', async () => {
    const { path } = await pageState();
    expect(await viewNodes()).toEqual(subtree(0, 4).sort((a, b) => a - b));
    // Down the max path: each click opens the node three levels below the view's top.
    for (const node of [path[3], path[6]]) {
      await page.click(`#tree-view [data-node-id="${node}"]`);
      expect(await page.evaluate(() => document.body.dataset.viewRoot)).toBe(String(node));
      const shown = subtree(node, 4).sort((a, b) => a - b);
      expect(await viewNodes()).toEqual(shown);
      expect(await highlighted()).toEqual(path.filter((n) => shown.includes(n)).sort((a, b) => a - b));
    }
    // At depth 6 of a depth-8 tree the view holds the leaves: the max path's leaf is marked.
    expect(await highlighted()).toContain(path[path.length - 1]);
    const crumbs = await page.$$eval('#breadcrumbs button', (els) => els.map((e) => Number(e.getAttribute('data-crumb'))));
    expect(crumbs).toEqual(path.slice(0, 6));
    await page.click(`#breadcrumbs button[data-crumb="${path[1]}"]`);
    expect(await viewNodes()).toEqual(subtree(path[1], 4).sort((a, b) => a - b));
    await page.click('#breadcrumbs button[data-crumb="0"]');
    expect(await page.evaluate(() => document.body.dataset.viewRoot)).toBe('0');
  });
});

describe('sdt explain --html: the example strip', () => {
  it('filters to the misclassified examples and to one true class, and a click still explains an example', async () => {
    const predictor = createTreePredictor(file);
    const { x, y } = loadDataset('mnist', { limit: Number(LIMIT) }).test;
    const answers = Array.from({ length: EXAMPLES }, (_, e) => predictor.predict(x.subarray(e * 784, (e + 1) * 784)).maxPathClass);
    const visible = () => page.$$eval('#examples button[data-example]', (els) => els.filter((e) => (e as HTMLElement).offsetParent !== null).map((e) => Number(e.getAttribute('data-example'))));
    const all = Array.from({ length: EXAMPLES }, (_, e) => e);
    const wrong = all.filter((e) => answers[e] !== y[e]);
    expect(wrong.length).toBeGreaterThan(0);
    await page.selectOption('#example-filter', 'wrong');
    expect(await visible()).toEqual(wrong);
    await page.selectOption('#example-filter', 'class-3');
    expect(await visible()).toEqual(all.filter((e) => y[e] === 3));
    expect(await page.textContent('#example-count')).toBe(`${all.filter((e) => y[e] === 3).length} of ${EXAMPLES} shown`);
    await page.selectOption('#example-filter', 'wrong');
    await page.click(`[data-example="${wrong[0]}"]`);
    expect((await pageState()).source).toBe(`example ${wrong[0]}`);
    expect(await page.evaluate(() => document.body.dataset.answer)).toBe(file.classNames[answers[wrong[0]]]);
    await page.selectOption('#example-filter', 'all');
    expect(await visible()).toEqual(all);
  });
});
