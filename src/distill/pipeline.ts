/**
 * `sdt distill`, the main job: teacher → soft targets → baseline tree (hard labels) and
 * distilled tree (soft targets) under identical settings → CART → one comparison table.
 * Every stage writes its own run folder inside the job's; a stage whose folder already holds
 * a finished run of the same configuration is reused, so an interrupted job continues.
 */
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../atomicWrite.js';
import { markdownTable } from '../markdownTable.js';
import type { BackendChoice } from '../backend.js';
import type { Dataset } from '../data/dataset.js';
import { agreement } from '../eval/metrics.js';
import { readTreeFile, TREE_MODEL_NAME } from '../models/treeFile.js';
import { createTreePredictor, predictRows } from '../models/treePredictor.js';
import { writeJsonAtomic } from '../runs/files.js';
import { createManifest, type RunConfig } from '../runs/manifest.js';
import { distilledSettings, distillTargets } from './softTargets.js';
import { runStagesInChildren } from './parallelStages.js';
import { cartStage, readStageMetrics, teacherStage, treeStage, type StageHooks } from './stages.js';
import type { DatasetSource, StageTargets, TreeStageJob } from './treeStageJob.js';
import type { CartRunOptions } from './trainCart.js';
import type { TeacherOptions } from './trainTeacher.js';
import { isTransferFile } from './transferFile.js';
import { labelTargets, type TargetRecipe, type TreeTrainingOptions } from './trainTree.js';

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
  /** Tree stages trained side by side, each in a process of its own (1: one after another, here). */
  jobs: number;
  /** Where the trees' processes load the dataset from (without it, they train here). */
  source?: DatasetSource;
  /** Move finished stages of another configuration aside instead of refusing them. */
  force?: boolean;
}

/** The configuration a distill job's manifest records. */
export function distillConfig(options: DistillOptions, baseConfig: RunConfig): RunConfig {
  return { ...baseConfig, teacher: options.teacher, teacherFolder: options.teacherFolder ?? null, tree: options.tree, temperature: options.temperature, alpha: options.alpha, cart: options.cart };
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

export type DistillHooks = StageHooks;

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
  const resume = { resume: options.resume, resumeHint: `sdt distill --resume ${out} (with the same options)`, force: options.force };
  const stage = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    const result = await work();
    stageSeconds[name] = (performance.now() - started) / 1000;
    hooks.say(`stage ${name}: ${stageSeconds[name].toFixed(1)} s`);
    return result;
  };

  // 1. The teacher: given, already trained in this folder, or trained now.
  const teacher = await stage('teacher', () =>
    teacherStage(dataset, options.teacher, options.teacherFolder, join(out, 'teacher'), backend, baseConfig, hooks, resume));

  // 2. Soft targets from the teacher's logits on the training set (cached beside the teacher,
  // where the trees' processes read them).
  const trainLogits = await stage('soft targets', () => teacher.trainLogits());

  // 3–4. The trees, identical but for their targets: on the labels of the training images, on
  // the labels of the transfer set's images (when it is not the training set: where a gain
  // comes from), and on the teacher's outputs.
  const rows: ComparisonRow[] = [
    {
      model: teacher.name,
      maxPathAccuracy: teacher.testAccuracy,
      mixtureAccuracy: null,
      agreementWithTeacher: 1,
      parameters: teacher.parameters,
      trainingSeconds: teacher.seconds,
      run: teacher.folder,
    },
  ];
  // A file of unlabelled examples: only the teacher can label them, so the trees on labels
  // train on the training split alone, and the table says so.
  const { transfer } = options.tree;
  const file = isTransferFile(transfer) ? basename(transfer) : null;
  const onTransfer = transfer === 'train' ? '' : file ? `, + the unlabelled examples of ${file} at T = ${options.temperature}` : `, ${transfer} transfer set`;
  const teacherTargets = { kind: 'teacher' as const, folder: teacher.folder, checksum: teacher.checksum, temperature: options.temperature, alpha: options.alpha };
  const trees: { label: string; job: TreeStageJob; recipe: TargetRecipe }[] = [
    {
      label: `soft tree, hard labels${file ? ` (training split only: ${file} has no labels)` : ''}`,
      job: treeJob('baseline', { kind: 'labels' }, { ...options.tree, transfer: 'train', transferSha256: null }),
      recipe: labelTargets(dataset.train.y, K),
    },
    ...(transfer === 'train' || file ? [] : [{ label: `soft tree, hard labels${onTransfer}`, job: treeJob(`baseline-${transfer}`, { kind: 'labels' }, options.tree), recipe: labelTargets(dataset.train.y, K) }]),
    {
      label: `soft tree, distilled (T = ${options.temperature}${options.alpha > 0 ? `, α = ${options.alpha}` : ''}${onTransfer})`,
      job: treeJob('distilled', teacherTargets, options.tree, distilledSettings(teacher, options.temperature, options.alpha)),
      recipe: distillTargets({ trainLogits: () => trainLogits, logitsOf: teacher.logitsOf }, dataset.train.y, K, options.temperature, options.alpha),
    },
  ];
  function treeJob(name: string, targets: StageTargets, tree: TreeTrainingOptions, extra: Record<string, unknown> = {}): TreeStageJob {
    return { name, targets, options: tree, folder: join(out, name), config: { ...baseConfig, ...tree, ...extra }, resume };
  }

  // 5. The classic tree: while the soft trees train in their own processes, or after them.
  const cartFolder = join(out, 'cart');
  const fitCart = () => stage('cart', async () => (await cartStage(dataset, options.cart, cartFolder, backend, baseConfig, hooks, options.force)).cart);
  let cart;
  const { source } = options;
  if (source && options.jobs > 1) {
    hooks.say(`training ${trees.map((t) => t.job.name).join(', ')} side by side (${Math.min(options.jobs, trees.length)} processes, one wasm thread each)`);
    const children = runStagesInChildren(trees.map(({ job }) => ({ job, source, backend: backend.name })), options.jobs, hooks);
    cart = await fitCart();
    (await children).forEach((r, i) => (stageSeconds[trees[i].job.name] = r.seconds));
  } else {
    for (const { job, recipe } of trees) {
      await stage(job.name, () => treeStage(dataset, job.name, recipe, job.options, job.folder, job.config, backend, hooks, resume));
    }
    cart = await fitCart();
  }
  for (const { label, job } of trees) {
    const metrics = readStageMetrics(job.folder);
    const predictor = createTreePredictor(readTreeFile(join(job.folder, TREE_MODEL_NAME)));
    const predicted = Int32Array.from(predictRows(predictor, dataset.test), (r) => r.maxPathClass);
    rows.push({
      model: label,
      maxPathAccuracy: metrics.test.maxPathAccuracy!,
      mixtureAccuracy: metrics.test.mixtureAccuracy!,
      agreementWithTeacher: agreement(predicted, teacher.testPredictions),
      parameters: metrics.parameters,
      trainingSeconds: metrics.trainingSeconds,
      run: job.folder,
    });
  }
  rows.push({
    model: `CART (max depth ${options.cart.maxDepth || 'unlimited'})`,
    maxPathAccuracy: cart.testAccuracy,
    mixtureAccuracy: null,
    agreementWithTeacher: agreement(cart.testPredictions, teacher.testPredictions),
    parameters: cart.parameters,
    trainingSeconds: cart.seconds,
    run: cartFolder,
  });
  // Stage times in pipeline order, whichever finished first.
  const order = ['teacher', 'soft targets', ...trees.map((t) => t.job.name), 'cart'];
  const ordered = Object.fromEntries(order.map((name) => [name, stageSeconds[name]]));

  writeJsonAtomic(join(out, 'comparison.json'), { rows, stageSeconds: ordered });
  writeFileAtomic(join(out, 'comparison.md'), comparisonTable(rows) + '\n');
  writeJsonAtomic(join(out, 'manifest.json'), createManifest('distill', distillConfig(options, baseConfig), backend, dataset.files));
  return { rows, stageSeconds: ordered };
}

const percent = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)} %`);

export function comparisonTable(rows: ComparisonRow[]): string {
  return markdownTable(
    ['model', 'test accuracy (max-path)', 'test accuracy (mixture)', 'agreement with teacher', 'parameters', 'training time'],
    rows.map((r) => [r.model, percent(r.maxPathAccuracy), percent(r.mixtureAccuracy), percent(r.agreementWithTeacher), r.parameters.toLocaleString('en'), `${r.trainingSeconds.toFixed(0)} s`]),
  );
}
