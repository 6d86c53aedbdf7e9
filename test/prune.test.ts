import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { loadDataset } from '../src/data/datasets.js';
import type { Dataset } from '../src/data/dataset.js';
import { labelTargets, trainTree, TREE_DEFAULTS } from '../src/distill/trainTree.js';
import { parseTreeFile, readTreeFile, type TreeFile } from '../src/models/treeFile.js';
import { createTreePredictor } from '../src/models/treePredictor.js';
import { pruneTree } from '../src/models/prune.js';
import { treeStructure } from '../src/models/treeStructure.js';
import { writeJsonAtomic } from '../src/runs/files.js';
import { withChecksum } from '../src/runs/checksum.js';
import { expectOneSentence, sdt } from './run.js';

const scratch = mkdtempSync(join(tmpdir(), 'sdt-prune-'));
const LIMIT = 1200;
const modelPath = join(scratch, 'tree.json.gz');
let dataset: Dataset;
let original: TreeFile;

beforeAll(async () => {
  await initBackend('wasm');
  dataset = loadDataset('mnist', { limit: LIMIT });
  const trained = await trainTree(dataset, labelTargets(dataset.train.y, 10), { ...TREE_DEFAULTS, depth: 6, epochs: 2 });
  // A young soft tree needs nearly all its subtrees for some example's max path; so that one
  // subtree is certainly unreached, node 1 is made to always turn right (its left subtree, 31
  // nodes under node 3, then has path mass below e^-1000 for every input).
  const { checksum: _, ...file } = trained.file;
  file.inner.biases[1] = 1000;
  original = withChecksum(file);
  writeJsonAtomic(modelPath, original);
}, 300_000);

describe('sdt prune', () => {
  it('writes a smaller sdt-tree/2 with the same max-path class on every training and test example', () => {
    const out = join(scratch, 'pruned.json.gz');
    const run = sdt(['prune', '--model', modelPath, '--out', out, '--limit', String(LIMIT), '--json']);
    expect(run.code, run.stderr).toBe(0);
    const stats = JSON.parse(run.stdout);
    expect(stats.nodesBefore).toBe(127);
    expect(stats.unreached).toBeGreaterThanOrEqual(1);
    expect(stats.nodesAfter).toBeLessThanOrEqual(stats.nodesBefore - 30);
    expect(stats.examples).toBe(dataset.train.n + dataset.test.n);
    const pruned = readTreeFile(out);
    expect(pruned.format).toBe('sdt-tree/2');
    expect(pruned.inner.weights.length + pruned.leaves.logits.length).toBe(stats.nodesAfter);
    expect(existsSync(join(scratch, 'pruned.manifest.json'))).toBe(true);
    // Checked here independently of the command's own check.
    const [a, b] = [createTreePredictor(original), createTreePredictor(pruned)];
    for (const split of [dataset.train, dataset.test]) {
      for (let e = 0; e < split.n; e++) {
        const x = split.x.subarray(e * 784, (e + 1) * 784);
        expect(b.predict(x).maxPathClass).toBe(a.predict(x).maxPathClass);
        expect(b.maxPath(x).maxPathClass).toBe(a.maxPath(x).maxPathClass);
      }
    }
  });

  it('the pruned tree is read by evaluate and explain', () => {
    const out = join(scratch, 'pruned.json.gz');
    const evaluated = sdt(['evaluate', '--model', out, '--limit', String(LIMIT), '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const before = JSON.parse(sdt(['evaluate', '--model', modelPath, '--limit', String(LIMIT), '--json']).stdout);
    expect(JSON.parse(evaluated.stdout).accuracy).toBe(before.accuracy);
    const svg = join(scratch, 'pruned.svg');
    const explained = sdt(['explain', '--model', out, '--out', svg, '--limit', String(LIMIT), '--index', '3', '--json']);
    expect(explained.code, explained.stderr).toBe(0);
    const path: number[] = JSON.parse(explained.stdout).explanation.path;
    const pruned = readTreeFile(out);
    const structure = treeStructure(pruned);
    for (let k = 1; k < path.length; k++) expect(structure.parent[path[k]]).toBe(path[k - 1]);
    expect(path[path.length - 1]).toBeGreaterThanOrEqual(structure.inner);
    expect(readFileSync(svg, 'utf8')).toContain('data-on-path');
  });

  it('refuses an --out that is not JSON, in one sentence', () => {
    expect(expectOneSentence(sdt(['prune', '--model', modelPath, '--out', join(scratch, 'x.svg')]))).toMatch(/--out .*x\.svg must name a \.json or \.json\.gz file/);
  });
});

describe('pruneTree', () => {
  it('collapses a subtree whose leaves all give one class when no other example could end in it', () => {
    // Depth 2 on two inputs, routing nearly hard: node 0 on x0, node 1 and node 2 on x1;
    // node 2's leaves (5, 6) both say class b, so node 2 becomes one leaf of class b.
    const file = withChecksum({
      format: 'sdt-tree/1', depth: 2, inputShape: [2], classNames: ['a', 'b'], beta: 1,
      inner: { weights: [[40, 0], [0, 40], [0, 40]], biases: [-20, -20, -20] },
      leaves: { logits: [[3, 0], [0, 3], [0, 3], [0, 2]] },
      preprocessing: { scale: 1, offset: 0 }, training: {},
    }) as TreeFile;
    const x = Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1, 0.2, 0.9, 0.8, 0.1]);
    const { file: pruned, stats } = pruneTree(file, [{ x, n: 6 }]);
    expect(stats).toMatchObject({ nodesBefore: 7, nodesAfter: 5, singleClass: 1, unreached: 0 });
    expect(pruned.inner.children).toEqual([[1, 2], [3, 4]]);
    const [a, b] = [createTreePredictor(file), createTreePredictor(pruned)];
    for (let e = 0; e < 6; e++) expect(b.predict(x.subarray(2 * e, 2 * e + 2)).maxPathClass).toBe(a.predict(x.subarray(2 * e, 2 * e + 2)).maxPathClass);
  });
});

describe('sdt-tree/2', () => {
  it('a complete tree written with explicit children predicts exactly as its sdt-tree/1 form', () => {
    const I = original.inner.weights.length;
    const { checksum: _, ...rest } = original;
    const explicit = parseTreeFile({ ...rest, format: 'sdt-tree/2', inner: { ...original.inner, children: Array.from({ length: I }, (_, i) => [2 * i + 1, 2 * i + 2]) } }, 'memory');
    const [a, b] = [createTreePredictor(original), createTreePredictor(explicit)];
    for (let e = 0; e < 50; e++) {
      const x = dataset.test.x.subarray(e * 784, (e + 1) * 784);
      expect(Array.from(b.predict(x).logPath)).toEqual(Array.from(a.predict(x).logPath));
    }
  });

  it.each([
    ['a child numbered before its parent', [[2, 1], [0, 3]], /inner node 1 has child 0/],
    ['a node with two parents', [[1, 2], [2, 3]], /node 2 has two parents|inner node 1 has child 2/],
    ['a depth that does not match', [[1, 2], [3, 4]], /has depth 1, but its deepest leaf is at depth 2/],
  ])('refuses %s', (_, children, problem) => {
    const file = { format: 'sdt-tree/2', depth: 1, inputShape: [2], classNames: ['a', 'b'], beta: 1, inner: { weights: [[1, 0], [0, 1]], biases: [0, 0], children }, leaves: { logits: [[1, 0], [0, 1], [1, 1]] }, preprocessing: { scale: 1, offset: 0 }, training: {} };
    expect(() => parseTreeFile(file, 'hand.json')).toThrow(problem);
  });
});
