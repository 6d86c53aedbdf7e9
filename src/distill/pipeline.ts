/**
 * `sdt distill`, the main job: teacher → soft targets → baseline tree (hard labels) and
 * distilled tree (soft targets) under identical settings → CART → one comparison table.
 * Every stage writes its own run folder inside the job's; a stage whose folder already holds
 * a finished run of the same configuration is reused, so an interrupted job continues.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendChoice } from '../backend.js';
import type { Dataset } from '../data/dataset.js';
import { SdtError } from '../errors.js';
import { agreement } from '../eval/metrics.js';
import { argMaxRows, teacherLogits } from '../models/teacher.js';
import { loadTeacher, teacherChecksum } from '../models/teacherFile.js';
import { createTreePredictor, predictRows } from '../models/treePredictor.js';
import { readTreeFile } from '../models/treeFile.js';
import { writeJsonAtomic, writeFileAtomic } from '../runs/files.js';
import { createManifest, readManifest, type RunConfig } from '../runs/manifest.js';
import { TREE_MODEL_NAME, writeTreeRun } from '../runs/treeRun.js';
import { cachedTeacherLogits, mixTargets, softTargets } from './softTargets.js';
import { canonicalJson } from '../runs/checksum.js';
import type { TrainCallbacks } from './train.js';
import { trainCartRun, type CartRunOptions } from './trainCart.js';
import { trainTeacher, type TeacherOptions } from './trainTeacher.js';
import { oneHot, trainTree, type TreeTrainingOptions } from './trainTree.js';

export interface DistillOptions {
  teacher: TeacherOptions;
  /** A finished teacher run to reuse instead of training one. */
  teacherFolder?: string;
  tree: TreeTrainingOptions;
  temperature: number;
  alpha: number;
  cart: CartRunOptions;
  /** Continue stages from their checkpoints (training otherwise refuses a folder holding one). */
  resume: boolean;
}

export interface ComparisonRow {
  model: string;
  maxPathAccuracy: number;
  mixtureAccuracy: number | null;
  agreementWithTeacher: number | null;
  parameters: number;
  trainingSeconds: number;
  run: string;
}

export interface DistillHooks {
  say(line: string): void;
  progress(label: string, epochs: number): TrainCallbacks;
}

/** A finished run (it has a manifest) made with this configuration. */
const sameConfig = (folder: string, config: Record<string, unknown>) => {
  if (!existsSync(join(folder, 'manifest.json'))) return false;
  return canonicalJson(readManifest(folder).config) === canonicalJson(config);
};
function readMetrics(folder: string) {
  const path = join(folder, 'metrics.json');
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new SdtError(`${path} cannot be read as JSON (missing, truncated or corrupt).`, `Remove ${folder} to train it again.`);
  }
}

export async function runDistill(
  dataset: Dataset,
  options: DistillOptions,
  out: string,
  backend: BackendChoice,
  baseConfig: RunConfig,
  hooks: DistillHooks,
): Promise<{ rows: ComparisonRow[]; stageSeconds: Record<string, number> }> {
  const K = dataset.classNames.length;
  const stageSeconds: Record<string, number> = {};
  const resume = { resume: options.resume, resumeHint: `sdt distill --resume ${out} (with the same options)` };
  const stage = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    const result = await work();
    stageSeconds[name] = (performance.now() - started) / 1000;
    hooks.say(`stage ${name}: ${stageSeconds[name].toFixed(1)} s`);
    return result;
  };

  // 1. The teacher: given, already trained in this folder, or trained now.
  const teacherConfig = { ...baseConfig, ...options.teacher };
  const teacherFolder = options.teacherFolder ?? join(out, 'teacher');
  const teacher = await stage('teacher', async () => {
    if (options.teacherFolder || sameConfig(teacherFolder, teacherConfig)) {
      const trainedOn = readManifest(teacherFolder).config.dataset;
      if (trainedOn !== dataset.name) throw new SdtError(`the teacher in ${teacherFolder} was trained on ${trainedOn}, not ${dataset.name}.`);
      const model = await loadTeacher(teacherFolder);
      hooks.say(`teacher: reusing ${teacherFolder}`);
      const metrics = readMetrics(teacherFolder);
      return { model, parameters: model.countParams(), seconds: metrics.trainingSeconds as number };
    }
    const trained = await trainTeacher(dataset, options.teacher, teacherFolder, backend, baseConfig, hooks.progress('teacher', options.teacher.epochs), resume);
    return { model: trained.model, parameters: trained.parameters, seconds: trained.seconds };
  });
  // The teacher's identity is its content: a retrained teacher invalidates the distilled tree.
  const teacherSum = teacherChecksum(teacherFolder);
  const teacherTest = argMaxRows(teacherLogits(teacher.model, dataset.test), K);
  const teacherAccuracy = agreement(teacherTest, dataset.test.y);
  hooks.say(`teacher test accuracy ${(teacherAccuracy * 100).toFixed(2)} %`);

  // 2. Soft targets from the teacher's logits on the training set (cached beside the teacher).
  const targets = await stage('soft targets', () => {
    const { logits, cached, path } = cachedTeacherLogits(teacherFolder, teacherSum, dataset, () => teacherLogits(teacher.model, dataset.train));
    hooks.say(`teacher logits on the training set: ${cached ? 'cached' : 'computed'} (${path})`);
    return mixTargets(softTargets(logits, K, options.temperature), oneHot(dataset.train.y, K), options.alpha, options.temperature);
  });

  // 3–4. The two trees, identical but for their targets.
  const rows: ComparisonRow[] = [
    {
      model: 'CNN teacher',
      maxPathAccuracy: teacherAccuracy,
      mixtureAccuracy: null,
      agreementWithTeacher: 1,
      parameters: teacher.parameters,
      trainingSeconds: teacher.seconds,
      run: teacherFolder,
    },
  ];
  for (const [name, label, treeTargets, extra] of [
    ['baseline', 'soft tree, hard labels', oneHot(dataset.train.y, K), {}],
    ['distilled', `soft tree, distilled (T = ${options.temperature}${options.alpha > 0 ? `, α = ${options.alpha}` : ''})`, targets, { temperature: options.temperature, alpha: options.alpha, teacher: teacherFolder, teacherChecksum: teacherSum }],
  ] as const) {
    const folder = join(out, name);
    const config = { ...baseConfig, ...options.tree, ...extra };
    const row = await stage(name, async () => {
      if (!sameConfig(folder, config)) {
        const tree = await trainTree(dataset, treeTargets, options.tree, hooks.progress(name, options.tree.epochs), { folder, config, ...resume });
        writeTreeRun(folder, createManifest(name, config, backend, dataset.files), tree);
      } else hooks.say(`${name}: reusing ${folder}`);
      const metrics = readMetrics(folder);
      const predictor = createTreePredictor(readTreeFile(join(folder, TREE_MODEL_NAME)));
      const predicted = Int32Array.from(predictRows(predictor, dataset.test), (r) => r.maxPathClass);
      return {
        model: label,
        maxPathAccuracy: metrics.test.maxPathAccuracy,
        mixtureAccuracy: metrics.test.mixtureAccuracy,
        agreementWithTeacher: agreement(predicted, teacherTest),
        parameters: metrics.parameters,
        trainingSeconds: metrics.trainingSeconds,
        run: folder,
      };
    });
    rows.push(row);
  }

  // 5. The classic tree.
  const cartFolder = join(out, 'cart');
  const cart = await stage('cart', () => trainCartRun(dataset, options.cart, cartFolder, backend, baseConfig));
  rows.push({
    model: `CART (max depth ${options.cart.maxDepth || 'unlimited'})`,
    maxPathAccuracy: cart.testAccuracy,
    mixtureAccuracy: null,
    agreementWithTeacher: agreement(cart.testPredictions, teacherTest),
    parameters: cart.parameters,
    trainingSeconds: cart.seconds,
    run: cartFolder,
  });

  writeJsonAtomic(join(out, 'comparison.json'), { rows, stageSeconds });
  writeFileAtomic(join(out, 'comparison.md'), comparisonTable(rows) + '\n');
  writeJsonAtomic(join(out, 'manifest.json'), createManifest('distill', { ...baseConfig, teacher: options.teacher, teacherFolder: options.teacherFolder ?? null, tree: options.tree, temperature: options.temperature, alpha: options.alpha, cart: options.cart }, backend, dataset.files));
  return { rows, stageSeconds };
}

const percent = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)} %`);

export function comparisonTable(rows: ComparisonRow[]): string {
  const lines = [
    '| model | test accuracy (max-path) | test accuracy (mixture) | agreement with teacher | parameters | training time |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.model} | ${percent(r.maxPathAccuracy)} | ${percent(r.mixtureAccuracy)} | ${percent(r.agreementWithTeacher)} | ${r.parameters.toLocaleString('en')} | ${r.trainingSeconds.toFixed(0)} s |`),
  ];
  return lines.join('\n');
}
