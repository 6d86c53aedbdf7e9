import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/datasets.js';
import { readTreeFile } from '../src/models/treeFile.js';
import { createTreePredictor } from '../src/models/treePredictor.js';
import { expectOneSentence, sdt } from './run.js';

const scratch = mkdtempSync(join(tmpdir(), 'sdt-export-'));
const committed = 'results/mnist/distill/distilled/tree.json.gz';

describe('sdt export --format onnx', () => {
  it('onnxruntime gives the max-path class and leaf of every MNIST test example, and the mixture', async () => {
    const out = join(scratch, 'tree.onnx');
    const run = sdt(['export', '--model', committed, '--format', 'onnx', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const test = loadDataset('mnist').test;
    expect(test.n).toBe(10_000);
    const session = await ort.InferenceSession.create(readFileSync(out));
    const result = await session.run({ x: new ort.Tensor('float32', test.x, [test.n, 784]) });
    const [classes, leaves, mixture] = [result.class.data as BigInt64Array, result.leaf.data as BigInt64Array, result.mixture.data as Float32Array];
    const predictor = createTreePredictor(readTreeFile(committed));
    let [sameClass, sameLeaf, worst] = [0, 0, 0];
    for (let e = 0; e < test.n; e++) {
      const p = predictor.predict(test.x.subarray(e * 784, (e + 1) * 784));
      if (Number(classes[e]) === p.maxPathClass) sameClass++;
      if (Number(leaves[e]) === p.leaf) sameLeaf++;
      for (let k = 0; k < 10; k++) worst = Math.max(worst, Math.abs(mixture[e * 10 + k] - p.mixture[k]));
    }
    expect(sameClass).toBe(test.n);
    expect(sameLeaf).toBe(test.n);
    expect(worst).toBeLessThan(1e-6);
  }, 300_000);

  it('refuses an --out whose extension does not match the format, in one sentence', () => {
    expect(expectOneSentence(sdt(['export', '--model', committed, '--format', 'onnx', '--out', join(scratch, 'tree.json')]))).toMatch(/--out .*tree\.json must end in \.onnx/);
  });
});

describe('sdt export --format js', () => {
  it('writes one ES module without imports whose predict gives the CLI predictor\'s numbers', async () => {
    const out = join(scratch, 'tree.mjs');
    expect(sdt(['export', '--model', committed, '--format', 'js', '--out', out]).code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).not.toMatch(/^\s*import\b|require\(/m);
    const exported = await import(pathToFileURL(out).href);
    const predictor = createTreePredictor(readTreeFile(committed));
    const test = loadDataset('mnist', { limit: 300 }).test;
    expect(exported.classNames).toEqual(readTreeFile(committed).classNames);
    for (let e = 0; e < test.n; e++) {
      const x = test.x.subarray(e * 784, (e + 1) * 784);
      const [a, b] = [exported.predict(x), predictor.predict(x)];
      expect(a.leaf).toBe(b.leaf);
      expect(Array.from(a.mixture)).toEqual(Array.from(b.mixture));
      expect(exported.maxPath(x).steps).toEqual(predictor.maxPath(x).steps);
    }
    const raw = Array.from(test.x.subarray(0, 784), (v) => v * 255);
    expect(Array.from(exported.preprocess(raw))).toEqual(Array.from(predictor.preprocess(raw)));
  });
});
