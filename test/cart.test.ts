import { describe, expect, it } from 'vitest';
import { SdtError } from '../src/errors.js';
import { randomSource } from '../src/random.js';
import { fitCart, type CartModel } from '../src/models/cart.js';
import { cartDepth, cartLeafCount, predictCart, predictProbaCart } from '../src/models/cartPredict.js';
import { cartFromJson, cartToJson, type CartFileMeta } from '../src/models/cartFile.js';

function accuracy(model: CartModel, x: Float32Array, y: Int32Array, n: number): number {
  const predicted = predictCart(model, x, n);
  let right = 0;
  for (let i = 0; i < n; i++) right += predicted[i] === y[i] ? 1 : 0;
  return right / n;
}

/** XOR on two features: no single split helps, two levels classify it perfectly. */
function xor(): { x: Float32Array; y: Int32Array; n: number } {
  const cells = [[0.2, 0.2, 0], [0.2, 0.8, 1], [0.8, 0.2, 1], [0.8, 0.8, 0]];
  const rows = [...cells, ...cells, ...cells];
  return { x: Float32Array.from(rows.flatMap((r) => [r[0], r[1]])), y: Int32Array.from(rows, (r) => r[2]), n: rows.length };
}

/**
 * Random examples whose features take few distinct values (so the bins are exact), with
 * labels that depend on them only partly: a deep, irregular tree, and duplicate inputs with
 * different labels that no split can separate.
 */
function noisyData(n: number, features: number, classes: number, seed: number) {
  const random = randomSource(seed);
  const x = new Float32Array(n * features);
  const levels = [3, 10, 40, 256, 2, 100];
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < features; f++) x[i * features + f] = Math.floor(random() * levels[f % levels.length]) / 7 - 1.5;
  }
  const y = Int32Array.from({ length: n }, (_, i) =>
    random() < 0.7 ? (x[i * features] + x[i * features + 1] > 0 ? 1 : 0) % classes : Math.floor(random() * classes),
  );
  return { x, y, n, features, classes };
}

interface RefNode {
  counts: number[];
  split?: { feature: number; threshold: number; left: RefNode; right: RefNode };
}

/**
 * Exact CART written the obvious way (sort each feature at each node), with the same
 * scoring and tie rules as fitCart: the reference the histogram search must reproduce.
 */
function referenceCart(x: Float32Array, y: Int32Array, n: number, features: number, classes: number, maxDepth: number): RefNode {
  const values: number[][] = [];
  for (let f = 0; f < features; f++) {
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) seen.add(x[i * features + f]);
    values.push([...seen].sort((a, b) => a - b));
  }
  const grow = (rows: number[], depth: number): RefNode => {
    const counts = new Array(classes).fill(0);
    for (const r of rows) counts[y[r]]++;
    const node: RefNode = { counts };
    if (Math.max(...counts) === rows.length || depth === maxDepth || rows.length < 2) return node;
    let best: { score: number; feature: number; value: number } | undefined;
    for (let f = 0; f < features; f++) {
      const sorted = [...rows].sort((a, b) => x[a * features + f] - x[b * features + f]);
      const left = new Array(classes).fill(0);
      for (let k = 0; k < sorted.length - 1; k++) {
        left[y[sorted[k]]]++;
        const v = x[sorted[k] * features + f];
        if (x[sorted[k + 1] * features + f] === v) continue;
        const nL = k + 1;
        const nR = rows.length - nL;
        const sqL = left.reduce((s, c) => s + c * c, 0);
        const sqR = counts.reduce((s, c, i) => s + (c - left[i]) ** 2, 0);
        const score = sqL / nL + sqR / nR;
        if (!best || score > best.score + 1e-12 * best.score) best = { score, feature: f, value: v };
      }
    }
    if (!best) return node;
    const { feature, value } = best;
    const all = values[feature];
    const above = all[all.indexOf(value) + 1];
    const mid = Math.fround((value + above) / 2);
    const threshold = mid < above ? mid : value;
    const goLeft = rows.filter((r) => x[r * features + feature] <= threshold);
    const goRight = rows.filter((r) => x[r * features + feature] > threshold);
    node.split = { feature, threshold, left: grow(goLeft, depth + 1), right: grow(goRight, depth + 1) };
    return node;
  };
  return grow(Array.from({ length: n }, (_, i) => i), 0);
}

function nested(model: CartModel, node = 0): RefNode {
  const counts = Array.from(model.counts.subarray(node * model.numClasses, (node + 1) * model.numClasses));
  if (model.feature[node] < 0) return { counts };
  return {
    counts,
    split: { feature: model.feature[node], threshold: model.threshold[node], left: nested(model, model.left[node]), right: nested(model, model.right[node]) },
  };
}

describe('fitCart', () => {
  it('needs two levels for XOR: depth 1 cannot, depth 2 classifies it perfectly', () => {
    const { x, y, n } = xor();
    expect(accuracy(fitCart(x, y, n, 2, 2, { maxDepth: 1 }), x, y, n)).toBeLessThan(1);
    const tree = fitCart(x, y, n, 2, 2, { maxDepth: 2 });
    expect(accuracy(tree, x, y, n)).toBe(1);
    expect(cartDepth(tree)).toBe(2);
    expect(cartLeafCount(tree)).toBe(4);
    expect(Array.from(tree.threshold.subarray(0, 3))).toEqual([0.5, 0.5, 0.5]);
  });

  it('grows the same tree as an exact sort-based CART (histogram, counting-sort and insertion-sort searches)', () => {
    // 3,000 examples: the root is searched by histograms, mid-sized nodes by counting sort, small ones by insertion sort.
    const { x, y, n, features, classes } = noisyData(3000, 6, 3, 7);
    for (const maxDepth of [3, 0]) {
      const tree = fitCart(x, y, n, features, classes, { maxDepth });
      expect(nested(tree)).toEqual(referenceCart(x, y, n, features, classes, maxDepth === 0 ? Infinity : maxDepth));
    }
  });

  it('routes the raw training floats exactly as the bins did, even between adjacent float32 values', () => {
    // 1 and the next two float32 values: one midpoint rounds down to the lower value, the
    // other up to the higher one, where `x <= threshold` would send it the wrong way.
    const [a, b, c] = new Float32Array(new Int32Array([0x3f800000, 0x3f800001, 0x3f800002]).buffer);
    const x = Float32Array.from([a, b, c, a, b, c, -0, 0.5]);
    const y = Int32Array.from([0, 1, 0, 0, 1, 0, 0, 1]);
    const tree = fitCart(x, y, 8, 1, 2, { maxDepth: 0 });
    expect(accuracy(tree, x, y, 8)).toBe(1);
    expect(cartLeafCount(tree)).toBe(5);

    // Unlimited depth separates every distinct input, so it must predict the training labels back.
    const data = noisyData(800, 6, 3, 3);
    const deep = fitCart(data.x, data.y, data.n, data.features, data.classes, { maxDepth: 0 });
    const leaves = new Int32Array(deep.counts.length / deep.numClasses);
    const predicted = predictCart(deep, data.x, data.n);
    for (let i = 0; i < data.n; i++) {
      let node = 0;
      while (deep.feature[node] >= 0) node = data.x[i * data.features + deep.feature[node]] <= deep.threshold[node] ? deep.left[node] : deep.right[node];
      leaves[node]++;
      expect(predicted[i]).toBe(majority(deep, node));
    }
    // Every training example lands in a leaf whose counts say it was there.
    for (let node = 0; node < leaves.length; node++) {
      if (deep.feature[node] >= 0) continue;
      let total = 0;
      for (let c = 0; c < deep.numClasses; c++) total += deep.counts[node * deep.numClasses + c];
      expect(leaves[node]).toBe(total);
    }
  });

  it('bins a feature with more than 256 distinct values by quantiles', () => {
    const n = 2560;
    const random = randomSource(5);
    const x = Float32Array.from({ length: n }, () => random());
    const rank = Array.from(x).map((v, i) => [v, i]).sort((a, b) => a[0] - b[0]);
    const y = new Int32Array(n);
    rank.forEach(([, i], r) => (y[i] = r >= n / 2 ? 1 : 0)); // the median is a quantile edge
    const stump = fitCart(x, y, n, 1, 2, { maxDepth: 1 });
    expect(accuracy(stump, x, y, n)).toBe(1);
    const noisy = Int32Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0));
    expect(cartLeafCount(fitCart(x, noisy, n, 1, 2, { maxDepth: 0 }))).toBeLessThanOrEqual(256);
  });

  it('respects maxDepth, minSamplesSplit and minSamplesLeaf', () => {
    const { x, y, n, features, classes } = noisyData(1500, 6, 3, 11);
    for (const maxDepth of [1, 2, 5]) expect(cartDepth(fitCart(x, y, n, features, classes, { maxDepth }))).toBe(maxDepth);
    const tree = fitCart(x, y, n, features, classes, { maxDepth: 0, minSamplesSplit: 40, minSamplesLeaf: 15 });
    for (let node = 0; node < tree.feature.length; node++) {
      let total = 0;
      for (let c = 0; c < classes; c++) total += tree.counts[node * classes + c];
      if (tree.feature[node] >= 0) expect(total).toBeGreaterThanOrEqual(40);
      else expect(total).toBeGreaterThanOrEqual(15);
    }
  });

  it('is deterministic: two fits are identical', () => {
    const { x, y, n, features, classes } = noisyData(2500, 6, 4, 2);
    const progress: number[] = [];
    const a = fitCart(x, y, n, features, classes, { maxDepth: 0 }, ({ depth }) => progress.push(depth));
    const b = fitCart(x, y, n, features, classes, { maxDepth: 0 });
    expect(a).toEqual(b);
    expect(progress).toEqual(Array.from({ length: progress.length }, (_, d) => d));
  });

  it('refuses labels out of range, non-finite inputs and bad options', () => {
    const x = Float32Array.from([0, 1, 2]);
    expect(() => fitCart(x, Int32Array.from([0, 1, 2]), 3, 1, 2, { maxDepth: 2 })).toThrow(SdtError);
    expect(() => fitCart(Float32Array.from([0, NaN, 2]), Int32Array.from([0, 1, 1]), 3, 1, 2, { maxDepth: 2 })).toThrow(/NaN/);
    expect(() => fitCart(x, Int32Array.from([0, 1, 1]), 3, 1, 2, { maxDepth: -1 })).toThrow(SdtError);
    expect(() => fitCart(x, Int32Array.from([0, 1, 1]), 2, 1, 2, { maxDepth: 2 })).toThrow(/expected 2 × 1/);
  });

  it('makes a lone leaf of a single example', () => {
    const tree = fitCart(Float32Array.from([3, 4]), Int32Array.from([1]), 1, 2, 3, { maxDepth: 0 });
    expect(Array.from(tree.feature)).toEqual([-1]);
    expect(Array.from(predictCart(tree, Float32Array.from([9, 9]), 1))).toEqual([1]);
  });
});

function majority(model: CartModel, node: number): number {
  let best = 0;
  for (let c = 1; c < model.numClasses; c++) if (model.counts[node * model.numClasses + c] > model.counts[node * model.numClasses + best]) best = c;
  return best;
}

describe('predictProbaCart', () => {
  it("gives the reached leaf's class distribution, whose argmax predictCart returns", () => {
    const { x, y, n, features, classes } = noisyData(600, 6, 3, 4);
    const tree = fitCart(x, y, n, features, classes, { maxDepth: 4 });
    const proba = predictProbaCart(tree, x, n);
    const predicted = predictCart(tree, x, n);
    for (let i = 0; i < n; i++) {
      const row = Array.from(proba.subarray(i * classes, (i + 1) * classes));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(row.indexOf(Math.max(...row))).toBe(predicted[i]);
    }
  });
});

describe('cartToJson / cartFromJson', () => {
  const meta: CartFileMeta = {
    inputShape: [2, 3],
    classNames: ['a', 'b', 'c'],
    preprocessing: { scale: 1 / 255, offset: 0 },
    training: { dataset: 'test', options: { maxDepth: 0 } },
  };
  const data = noisyData(700, 6, 3, 9);
  const model = fitCart(data.x, data.y, data.n, data.features, data.classes, { maxDepth: 0 });
  const json = () => JSON.parse(JSON.stringify(cartToJson(model, meta)));

  it('round-trips a model exactly through JSON text', () => {
    const file = cartFromJson(json(), 'cart.json');
    expect(file.model).toEqual(model);
    expect(file.inputShape).toEqual(meta.inputShape);
    expect(file.classNames).toEqual(meta.classNames);
    expect(file.preprocessing).toEqual(meta.preprocessing);
    expect(file.training).toEqual(meta.training);
    expect(predictCart(file.model, data.x, data.n)).toEqual(predictCart(model, data.x, data.n));
  });

  const broken: [string, (o: any) => void, RegExp][] = [
    ['another format', (o) => (o.format = 'sdt-tree/1'), /format "sdt-tree\/1"/],
    ['a later version', (o) => (o.format = 'sdt-cart/2'), /cannot read/],
    ['no format', (o) => delete o.format, /not an sdt CART model/],
    ['a short threshold array', (o) => o.nodes.threshold.pop(), /nodes\.threshold/],
    ['counts of the wrong length', (o) => o.nodes.counts.push(1), /nodes\.counts/],
    ['a child index out of range', (o) => (o.nodes.left[0] = o.nodes.left.length), /nodes\.left\[0\]/],
    ['a child before its parent', (o) => (o.nodes.right[0] = 0), /nodes\.right\[0\]/],
    ['a NaN threshold (null in JSON)', (o) => (o.nodes.threshold[0] = null), /nodes\.threshold\[0\] = null/],
    ['a NaN threshold', (o) => (o.nodes.threshold[0] = NaN), /nodes\.threshold\[0\] = NaN/],
    ['a feature out of range', (o) => (o.nodes.feature[0] = 6), /nodes\.feature\[0\]/],
    ['a node with two parents', (o) => (o.nodes.left[0] = o.nodes.right[0]), /child of two nodes/],
    ['a node no one reaches', (o) => {
      const inner = o.nodes.feature.findIndex((f: number, i: number) => i > 0 && f >= 0);
      o.nodes.feature[inner] = o.nodes.left[inner] = o.nodes.right[inner] = -1;
    }, /root cannot reach/],
    ['a shape that does not match the features', (o) => (o.inputShape = [7]), /inputShape/],
    ['a negative count', (o) => (o.nodes.counts[1] = -1), /negative/],
  ];
  for (const [what, damage, message] of broken) {
    it(`refuses ${what}, naming the file`, () => {
      const object = json();
      damage(object);
      const read = () => cartFromJson(object, 'runs/x/cart.json.gz');
      expect(read).toThrow(SdtError);
      expect(read).toThrow(/runs\/x\/cart\.json\.gz/);
      expect(read).toThrow(message);
    });
  }

  it('refuses something that is not an object', () => {
    expect(() => cartFromJson([1, 2], 'list.json')).toThrow(/list\.json does not hold a JSON object/);
  });
});
