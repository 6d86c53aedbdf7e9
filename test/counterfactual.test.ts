import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { loadDataset } from '../src/data/datasets.js';
import type { Dataset } from '../src/data/dataset.js';
import { labelTargets, trainTree, TREE_DEFAULTS } from '../src/distill/trainTree.js';
import { solveBoxQp } from '../src/models/boxQp.js';
import { findCounterfactual } from '../src/models/counterfactual.js';
import { treeFileFrom, type TreeFile } from '../src/models/treeFile.js';
import { createTreePredictor, type TreePredictor } from '../src/models/treePredictor.js';
import { writeJsonAtomic } from '../src/runs/files.js';
import { sdtInProcess } from './inProcess.js';
import { expectOneSentence, sdt } from './run.js';

const scratch = mkdtempSync(join(tmpdir(), 'sdt-counterfactual-'));
const LIMIT = 1000;
const F = 784;
const lower = new Float64Array(F);
const upper = new Float64Array(F).fill(1);
const modelPath = join(scratch, 'tree.json.gz');
let dataset: Dataset;
let file: TreeFile;
let predictor: TreePredictor;

const example = (split: { x: Float32Array }, i: number) => split.x.slice(i * F, (i + 1) * F);
/** The k-th class after `current` (cyclically) that has a leaf: a young tree gives some classes none. */
const otherClass = (current: number, k: number) => {
  const classes = [...new Set(predictor.leafClasses)].filter((c) => c !== current).sort((a, b) => ((a - current + 10) % 10) - ((b - current + 10) % 10));
  return classes[k % classes.length];
};
const distance = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.sqrt(Array.from(a, (v, j) => (v - b[j]) ** 2).reduce((s, v) => s + v, 0));

/** The simple alternative: the nearest training image the tree itself puts in class k. */
function nearestOfClass(x: Float32Array, k: number): number {
  let best = Infinity;
  for (let i = 0; i < dataset.train.n; i++) {
    const y = dataset.train.x.subarray(i * F, (i + 1) * F);
    if (predictor.maxPath(y).maxPathClass === k) best = Math.min(best, distance(x, y));
  }
  return best;
}

/** A depth-1 tree whose root always turns right (zero filter, bias +5): its left leaf, class 0, is unreachable. */
function stuckTree(): TreeFile {
  const leafLogits = new Float32Array(20);
  [leafLogits[0], leafLogits[10 + 1]] = [5, 5];
  return treeFileFrom({ weights: new Float32Array(F), biases: Float32Array.of(5), leafLogits, beta: 1 }, 1, {
    inputShape: [28, 28, 1],
    classNames: Array.from({ length: 10 }, (_, k) => String(k)),
    preprocessing: { scale: 1 / 255, offset: 0 },
    training: { dataset: 'mnist' },
  });
}

beforeAll(async () => {
  await initBackend('wasm');
  dataset = loadDataset('mnist', { limit: LIMIT });
  file = (await trainTree(dataset, labelTargets(dataset.train.y, 10), { ...TREE_DEFAULTS, depth: 5, epochs: 2 })).file;
  writeJsonAtomic(modelPath, file);
  predictor = createTreePredictor(file);
}, 300_000);

describe('solveBoxQp', () => {
  it('gives the projection r a / ‖a‖² onto one half-space when the box does not bind', () => {
    const a = Float64Array.of(3, -4, 0);
    const { delta, status } = solveBoxQp({ rows: [a], rhs: [5], lo: [-10, -10, -10], hi: [10, 10, 10], l1: 0 });
    expect(status).toBe('optimal');
    [0.6, -0.8, 0].forEach((v, j) => expect(delta[j]).toBeCloseTo(v, 6));
  });

  it('moves the other coordinate when the box stops one, and proves an unreachable constraint infeasible', () => {
    // min ½‖δ‖² s.t. δ0 + δ1 ≥ 2, δ0 ≤ 0.5: δ = (0.5, 1.5).
    const bound = solveBoxQp({ rows: [Float64Array.of(1, 1)], rhs: [2], lo: [-1, -1], hi: [0.5, 5], l1: 0 });
    expect(bound.status).toBe('optimal');
    expect(bound.delta[0]).toBeCloseTo(0.5, 6);
    expect(bound.delta[1]).toBeCloseTo(1.5, 6);
    const impossible = solveBoxQp({ rows: [Float64Array.of(1, 1), Float64Array.of(-1, 0)], rhs: [2, 0.2], lo: [-1, -1], hi: [0.5, 1], l1: 0 });
    expect(impossible.status).toBe('infeasible');
  });
});

describe('findCounterfactual', () => {
  it('changes test digits into the class asked for: verified by a fresh predictor, inside [0, 1], no farther than the nearest training image of that class', () => {
    const fresh = createTreePredictor(JSON.parse(JSON.stringify(file)));
    for (let i = 0; i < 4; i++) {
      const x = example(dataset.test, i);
      const current = predictor.maxPath(x).maxPathClass;
      const target = otherClass(current, i);
      const { best, solves } = findCounterfactual(file, predictor, x, { targets: [target], lower, upper, budget: 1000 });
      expect(best, `test example ${i}: ${current} → ${target}`).toBeDefined();
      expect(solves).toBeLessThanOrEqual(1000);
      expect(fresh.maxPath(best!.x).maxPathClass).toBe(target);
      expect(fresh.predict(best!.x).maxPathClass).toBe(target);
      expect(best!.x.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(best!.l2).toBeCloseTo(distance(x, best!.x), 6);
      expect(best!.l2).toBeLessThanOrEqual(nearestOfClass(x, target));
    }
  });

  it('auto reaches the cheapest other class: no class asked for alone needs a smaller change', () => {
    const x = example(dataset.test, 0);
    const current = predictor.maxPath(x).maxPathClass;
    const others = Array.from({ length: 10 }, (_, k) => k).filter((k) => k !== current);
    const auto = findCounterfactual(file, predictor, x, { targets: others, lower, upper, budget: 5000 });
    expect(auto.complete).toBe(true);
    expect(auto.best!.maxPathClass).not.toBe(current);
    for (const k of others) {
      const single = findCounterfactual(file, predictor, x, { targets: [k], lower, upper, budget: 5000 });
      if (single.best) expect(auto.best!.l2).toBeLessThanOrEqual(single.best.l2 + 1e-9);
    }
  });

  it('--sparse changes fewer inputs than the least-L2 change, and still reaches the class', () => {
    for (let i = 0; i < 3; i++) {
      const x = example(dataset.test, i);
      const target = otherClass(predictor.maxPath(x).maxPathClass, 2);
      const dense = findCounterfactual(file, predictor, x, { targets: [target], lower, upper, budget: 1000 }).best!;
      const sparse = findCounterfactual(file, predictor, x, { targets: [target], lower, upper, budget: 1000, sparse: true }).best!;
      expect(predictor.maxPath(sparse.x).maxPathClass).toBe(target);
      expect(sparse.l0).toBeLessThan(dense.l0 / 2);
      expect(sparse.l2).toBeGreaterThanOrEqual(dense.l2 - 1e-6);
    }
  });

  it('reports none found when no input in range reaches the class, and stops at the budget', () => {
    const stuck = stuckTree();
    const x = example(dataset.test, 0);
    const none = findCounterfactual(stuck, createTreePredictor(stuck), x, { targets: [0], lower, upper, budget: 100 });
    expect(none.best).toBeUndefined();
    expect(none.candidateLeaves).toBe(1);
    const others = Array.from({ length: 9 }, (_, k) => k + 1).filter((k) => k !== predictor.maxPath(x).maxPathClass);
    const cut = findCounterfactual(file, predictor, x, { targets: others, lower, upper, budget: 1 });
    expect(cut.solves).toBe(1);
    expect(cut.complete).toBe(false);
  });
});

describe('sdt explain --counterfactual', () => {
  it('draws input / change / changed input and the new path, and its JSON input is classified as the new answer', () => {
    const out = join(scratch, 'what-if.svg');
    const run = sdt(['explain', '--model', modelPath, '--out', out, '--limit', String(LIMIT), '--index', '2', '--path-only', '--counterfactual', 'auto', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    const cf = result.counterfactual;
    expect(cf).toMatchObject({ target: 'auto', found: true, complete: true });
    expect(cf.answer).not.toBe(result.explanation.answer);
    expect(cf.changedInput).toHaveLength(F);
    const changed = predictor.preprocess(cf.changedInput);
    expect(String(predictor.maxPath(changed).maxPathClass)).toBe(cf.answer);
    expect(cf.path.at(-1) - (2 ** 5 - 1)).toBe(cf.leaf);
    const doc = new JSDOM(readFileSync(out, 'utf8'), { contentType: 'image/svg+xml' }).window.document;
    const section = doc.querySelector('g.counterfactual[data-found="true"]');
    expect(section).not.toBeNull();
    expect([...section!.querySelectorAll('image')].slice(0, 3).map((e) => e.getAttribute('class'))).toEqual(['input', 'change', 'changed']);
    expect(section!.querySelectorAll('g.counterfactual-path g.step')).toHaveLength(cf.path.length - 1);

    const text = sdt(['explain', '--model', modelPath, '--out', out, '--limit', String(LIMIT), '--index', '2', '--path-only', '--counterfactual', cf.answer, '--sparse', '--quiet']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`counterfactual: ${result.explanation.answer} → ${cf.answer} with L2 [0-9.]+, L0 \\d+ of 784 inputs changed; new max path`));
  });

  it('says plainly when none is found within the input range (exit 0, the drawing says so too)', () => {
    const stuckPath = join(scratch, 'stuck.json');
    writeJsonAtomic(stuckPath, stuckTree());
    const out = join(scratch, 'stuck.svg');
    const run = sdt(['explain', '--model', stuckPath, '--out', out, '--limit', '100', '--index', '0', '--counterfactual', '0', '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/counterfactual: none found .* leaf of class 0/);
    expect(readFileSync(out, 'utf8')).toContain('data-found="false"');
  });

  it('refuses an unknown class, the current answer, a missing example and --sparse alone, in one sentence', async () => {
    const base = ['explain', '--model', modelPath, '--out', join(scratch, 'bad.svg'), '--limit', '100'];
    const current = String(predictor.maxPath(example(dataset.test, 0)).maxPathClass);
    const refusal = async (args: string[]) => expectOneSentence(await sdtInProcess([...base, ...args]));
    expect(await refusal(['--index', '0', '--counterfactual', 'eleven'])).toMatch(/--counterfactual eleven is not a class of .*tree\.json\.gz/);
    expect(await refusal(['--index', '0', '--counterfactual', '10'])).toMatch(/--counterfactual 10 is not a class/);
    expect(await refusal(['--index', '0', '--counterfactual', current])).toMatch(new RegExp(`already answers ${current} for test example 0`));
    expect(await refusal(['--counterfactual', 'auto'])).toMatch(/needs an example to change: add --index N or --input FILE/);
    expect(await refusal(['--index', '0', '--sparse'])).toMatch(/--sparse sets up a counterfactual search/);
  });
});
