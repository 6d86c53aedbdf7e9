/**
 * `npm run bench [-- --json] [-- --profile] [-- --reference] [-- --out DIR]`: throughput of the
 * suite's workloads on the active backend, each the median of several timed repeats after a
 * warm-up, as samples per second and as GFLOP/s (the model's own arithmetic: 2 FLOPs per
 * multiply-add, training = 3 × a forward pass). Ratios against a reference are meaningful only
 * within one run (machines are noisy): `--reference` runs ../shared/bench/torch_ref.py (or
 * SDT_TORCH_REF) with Debian's python3-torch in the same run and reports each workload as a
 * share of PyTorch's. `--out DIR` writes bench.json, bench.md and a manifest there.
 *
 * What each workload does, beside PyTorch's (torch_ref.py): SDT inference is predictTree —
 * the product x·W, every node's branch and path probability, the max-path leaf and class and
 * the mixture Σ P^ℓ Q^ℓ with its class — where PyTorch's `sdt d8 infer` computes the product,
 * the sigmoids, every node's path probability and the balance penalty's averages, but neither
 * the mixture nor an argmax. Training is the whole loop (batches, loss, gradients, Adam) on
 * both sides (the CNN without dropout, as the teacher's recipe and PyTorch's CNN have it); CNN
 * inference is teacherLogits against PyTorch's forward pass.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../src/atomicWrite.js';
import { describeBackend, initBackend } from '../src/backend.js';
import { loadDataset } from '../src/data/datasets.js';
import { oneHot } from '../src/data/oneHot.js';
import { batchGradients, train } from '../src/distill/train.js';
import { CNN_TEACHER_DEFAULTS } from '../src/distill/trainTeacher.js';
import { createSoftTree } from '../src/models/sdt.js';
import { createTeacher, teacherLearner, teacherLogits } from '../src/models/teacher.js';
import { readTreeFile, treeFileFrom } from '../src/models/treeFile.js';
import { createTreePredictor } from '../src/models/treePredictor.js';
import { predictTree, treeLearner } from '../src/models/sdtBatches.js';
import { ensureFolder, writeJsonAtomic } from '../src/runs/files.js';
import { createManifest, SDT_VERSION } from '../src/runs/manifest.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const valueOf = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const backendArg = valueOf('--backend');
const out = valueOf('--out');
const log = (line: string) => !json && process.stdout.write(line + '\n');

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Samples per second of `work` (which processes `samples` examples) in the steady state:
 * warm-up calls for at least WARM_UP_MS, then the median of `repeats`. A fresh process runs
 * slower for its first seconds (measured: a depth-8 tree's training rose from 4,900 to
 * 9,000 samples/s over its first 1.5 s) while V8 optimises the TypeScript kernels and the
 * wasm heap settles; a training run of minutes sees the steady state.
 */
const WARM_UP_MS = 3000;
async function measure(name: string, samples: number, work: () => Promise<unknown> | unknown, repeats = 5): Promise<number> {
  const warmUp = performance.now();
  do await work();
  while (performance.now() - warmUp < WARM_UP_MS);
  const rates: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    await work();
    rates.push(samples / ((performance.now() - started) / 1000));
  }
  const rate = median(rates);
  log(`${name.padEnd(34)} ${rate.toFixed(0).padStart(9)} samples/s`);
  return rate;
}

const backend = await initBackend(backendArg);
log(`sdt ${SDT_VERSION} bench on ${describeBackend(backend)}, ${cpus()[0]?.model}, ${cpus().length} cores`);
const data = loadDataset('mnist', { limit: 4096 });
const targets = oneHot(data.train.y, 10);
const quietTrain = { epochs: 1, batchSize: 128, optimizer: 'adam' as const, momentum: 0, learningRate: 1e-3, schedule: 'constant' as const, patience: 0, seed: 1 };

// FLOPs per example of one forward pass, counted from the models' shapes (2 per multiply-add).
const [F, I, L, K] = [784, 255, 256, 10];
const SDT_FORWARD = 2 * F * I + 2 * L * K; // node logits x·W, then the leaf mixture Σ P^ℓ Q^ℓ
const CNN_FORWARD = 2 * 28 * 28 * 32 * 5 * 5 + 2 * 14 * 14 * 64 * 5 * 5 * 32 + 2 * 7 * 7 * 64 * 10;
const flops: Record<string, number> = { sdtTrain: 3 * SDT_FORWARD, sdtInfer: SDT_FORWARD, cnnTrain: 3 * CNN_FORWARD, cnnInfer: CNN_FORWARD };

// (a, b) soft decision tree, depth 8
const tree = createSoftTree({ depth: 8, features: F, classes: K, beta: 1, learnBeta: false, lambda: 0.1, penaltyLevel: 'mean', alphaWindow: 0, seed: 1 });
const sdtTrain = await measure('SDT depth 8 training (batch 128)', 4096, () =>
  train(treeLearner(tree), { x: data.train.x, targets, n: 4096, inputShape: [F], classes: K }, undefined, quietTrain));
const sdtInfer = await measure('SDT depth 8 inference (predictTree)', 4096, () => predictTree(tree, data.train));
// (c) explanation latency: the max path of one example, from a trained sdt-tree/1 file when
// there is one (a trained tree routes decisively, so the best-first search opens few nodes).
const trained = join(dirname(new URL(import.meta.url).pathname), '../../results/mnist/distill/distilled/tree.json.gz');
const treeFile = existsSync(trained) ? readTreeFile(trained)
  : treeFileFrom(tree.read(), 8, { inputShape: [F], classNames: data.classNames, preprocessing: data.preprocessing, training: {} });
const predictor = createTreePredictor(treeFile);
const explainRate = await measure(`SDT explanation (${existsSync(trained) ? 'trained' : 'untrained'} tree, 1 example)`, 1000, () => {
  for (let i = 0; i < 1000; i++) predictor.maxPath(data.test.x.subarray((i % data.test.n) * F, ((i % data.test.n) + 1) * F));
});
tree.dispose();

// (d, e) CNN teacher
const cnn = createTeacher({ inputShape: [28, 28, 1], classes: K, seed: 1 });
const cnnTrain = await measure('CNN teacher training (batch 128)', 1024, () =>
  train(teacherLearner(cnn, CNN_TEACHER_DEFAULTS.dropout), { x: data.train.x, targets, n: 1024, inputShape: [28, 28, 1], classes: K }, undefined, quietTrain), 3);
const cnnInfer = await measure('CNN teacher inference', 2048, () => teacherLogits(cnn, { ...data.train, n: 2048 }));

const rates: Record<string, number> = { sdtTrain, sdtInfer, cnnTrain, cnnInfer };
const gflops = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, (v * flops[k]) / 1e9]));
// Wasm SIMD is 128 bits wide without fused multiply-add: about 20 GFLOP/s per core here.
const ceiling = 20 * (backend.threads ?? 1);
const result: Record<string, unknown> = {
  ...rates,
  explainMicros: 1e6 / explainRate,
  gflops,
  wasmCeilingGflops: backend.name === 'wasm' ? ceiling : null,
  backend: backend.name,
  threads: backend.threads ?? null,
  versions: { sdt: SDT_VERSION, node: process.versions.node, tfjs: tf.version_core },
  cpu: cpus()[0]?.model, cores: cpus().length,
};
log(`GFLOP/s: ${Object.entries(gflops).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}${backend.name === 'wasm' ? ` (wasm ceiling ≈ ${ceiling} on ${backend.threads} thread${backend.threads === 1 ? '' : 's'}${backend.onnxruntime ? "; convolutions and large products on onnxruntime's kernels, which it does not bound" : ''})` : ''}`);
if (args.includes('--profile')) {
  const profiled = createSoftTree({ depth: 8, features: 784, classes: 10, beta: 1, learnBeta: false, lambda: 0.1, penaltyLevel: 'mean', alphaWindow: 0, seed: 1 });
  for (const [name, learner, shape] of [['SDT depth 8', treeLearner(profiled), [784]], ['CNN teacher', teacherLearner(cnn), [28, 28, 1]]] as const) {
    const examples = { x: data.train.x, targets, n: data.train.n, inputShape: [...shape], classes: 10 };
    const rows = Int32Array.from({ length: 128 }, (_, i) => i);
    const step = () => batchGradients(learner, examples, examples, rows);
    for (let i = 0; i < 3; i++) step();
    // One step's kernel times scatter by a factor of two on a shared machine: average ten.
    const steps = 10;
    let wallMs = 0;
    const profile = await tf.profile(() => {
      const started = performance.now();
      for (let i = 0; i < steps; i++) step();
      wallMs = (performance.now() - started) / steps;
    });
    const byKernel = new Map<string, number>();
    for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs / steps : 0));
    // The teacher's step on onnxruntime is one graph outside tfjs (models/cnnGraphs.ts): no kernels to list.
    const where = byKernel.size === 0 ? ', all of it one onnxruntime graph' : '; time per kernel';
    log(`\n${name}: one training step (forward + gradients), ${wallMs.toFixed(1)} ms, mean of ${steps} steps${where}${byKernel.size ? ':' : ''}`);
    [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).forEach(([k, ms]) => log(`  ${k.padEnd(28)} ${ms.toFixed(2).padStart(9)} ms`));
  }
}

const reference = process.env.SDT_TORCH_REF ?? join(dirname(new URL(import.meta.url).pathname), '../../../shared/bench/torch_ref.py');
if (args.includes('--reference')) {
  if (!existsSync(reference)) log(`reference: ${reference} not found`);
  else {
    try {
      const mnistDir = dirname(data.files[0].path);
      const text = execFileSync('/usr/bin/python3', [reference, mnistDir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const rate = (label: string) => Number(new RegExp(`${label}[^:]*: (\\d+)`).exec(text)?.[1]);
      const torch = { cnnTrain: rate('cnn train'), cnnInfer: rate('cnn infer'), sdtTrain: rate('sdt d8 train'), sdtInfer: rate('sdt d8 infer') };
      const ratios = Object.fromEntries(Object.entries(torch).map(([k, v]) => [k, rates[k] / v]));
      result.reference = { torch, ratios };
      log(`\nPyTorch reference in the same run: ${JSON.stringify(torch)}\nsdt / PyTorch: ${Object.entries(ratios).map(([k, v]) => `${k} ${v.toFixed(2)}×`).join(', ')}`);
    } catch {
      log('reference: PyTorch did not run (apt-get install python3-torch)');
    }
  }
}

if (json) process.stdout.write(JSON.stringify(result) + '\n');
if (out) {
  ensureFolder(out);
  const reference = result.reference as { torch: Record<string, number>; ratios: Record<string, number> } | undefined;
  const names: Record<string, string> = { sdtTrain: 'SDT depth 8 training, batch 128', sdtInfer: 'SDT depth 8 batch inference', cnnTrain: 'CNN teacher training, batch 128', cnnInfer: 'CNN teacher inference' };
  const table = [
    '| work | samples/s | GFLOP/s | PyTorch samples/s (same run) | ratio to PyTorch |',
    '|---|---:|---:|---:|---:|',
    ...Object.keys(rates).map((k) => `| ${names[k]} | ${rates[k].toFixed(0)} | ${gflops[k].toFixed(1)} | ${reference ? reference.torch[k].toFixed(0) : '—'} | ${reference ? `${reference.ratios[k].toFixed(2)}×` : '—'} |`),
    `| single-example explanation (max path, pure TypeScript) | ${(1e6 / (result.explainMicros as number)).toFixed(0)} | — | — | ${(result.explainMicros as number).toFixed(1)} µs per example |`,
  ].join('\n');
  writeJsonAtomic(join(out, 'bench.json'), result);
  writeFileAtomic(join(out, 'bench.md'), `${table}\n\n${describeBackend(backend)}, ${cpus()[0]?.model}, ${cpus().length} cores; command: npm run bench -- ${args.join(' ')}\n`);
  writeJsonAtomic(join(out, 'manifest.json'), createManifest('bench', { dataset: 'mnist', limit: 4096, seed: 1, args }, backend, data.files));
  log(`wrote ${out}`);
}
