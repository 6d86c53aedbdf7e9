/**
 * `sdt distill`, the main job: teacher → soft targets → baseline tree (hard labels) and
 * distilled tree (soft targets) under identical settings → CART → one comparison table.
 * Every stage writes its own run folder inside the job's; a stage whose folder already holds
 * a finished run of the same configuration is reused, so an interrupted job continues.
 */
import { join } from 'node:path';
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
import { teacherStage, treeStage, type StageHooks } from './stages.js';
import { trainCartRun, type CartRunOptions } from './trainCart.js';
import type { TeacherOptions } from './trainTeacher.js';
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
  const resume = { resume: options.resume, resumeHint: `sdt distill --resume ${out} (with the same options)` };
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

  // 2. Soft targets from the teacher's logits on the training set (cached beside the teacher).
  const trainLogits = await stage('soft targets', () => teacher.trainLogits());
  const targets = distillTargets({ trainLogits: () => trainLogits, logitsOf: teacher.logitsOf }, dataset.train.y, K, options.temperature, options.alpha);

  // 3–4. The trees, identical but for their targets: on the labels of the training images, on
  // the labels of the transfer set's images (when it is not the training set: where a gain
  // comes from), and on the teacher's outputs.
  const rows: ComparisonRow[] = [
    {
      model: 'CNN teacher',
      maxPathAccuracy: teacher.testAccuracy,
      mixtureAccuracy: null,
      agreementWithTeacher: 1,
      parameters: teacher.parameters,
      trainingSeconds: teacher.seconds,
      run: teacher.folder,
    },
  ];
  const labels = labelTargets(dataset.train.y, K);
  const { transfer } = options.tree;
  const trees: [string, string, TargetRecipe, TreeTrainingOptions, Record<string, unknown>][] = [
    ['baseline', 'soft tree, hard labels', labels, { ...options.tree, transfer: 'train' }, {}],
    ...(transfer === 'train' ? [] : [[`baseline-${transfer}`, `soft tree, hard labels, ${transfer} transfer set`, labels, options.tree, {}] as [string, string, TargetRecipe, TreeTrainingOptions, Record<string, unknown>]]),
    ['distilled', `soft tree, distilled (T = ${options.temperature}${options.alpha > 0 ? `, α = ${options.alpha}` : ''}${transfer === 'train' ? '' : `, ${transfer} transfer set`})`, targets, options.tree, distilledSettings(teacher, options.temperature, options.alpha)],
  ];
  for (const [name, label, treeTargets, treeOptions, extra] of trees) {
    const folder = join(out, name);
    const config = { ...baseConfig, ...treeOptions, ...extra };
    const row = await stage(name, async () => {
      const { metrics } = await treeStage(dataset, name, treeTargets, treeOptions, folder, config, backend, hooks, resume);
      const predictor = createTreePredictor(readTreeFile(join(folder, TREE_MODEL_NAME)));
      const predicted = Int32Array.from(predictRows(predictor, dataset.test), (r) => r.maxPathClass);
      return {
        model: label,
        maxPathAccuracy: metrics.test.maxPathAccuracy!,
        mixtureAccuracy: metrics.test.mixtureAccuracy!,
        agreementWithTeacher: agreement(predicted, teacher.testPredictions),
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
    agreementWithTeacher: agreement(cart.testPredictions, teacher.testPredictions),
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
  return markdownTable(
    ['model', 'test accuracy (max-path)', 'test accuracy (mixture)', 'agreement with teacher', 'parameters', 'training time'],
    rows.map((r) => [r.model, percent(r.maxPathAccuracy), percent(r.mixtureAccuracy), percent(r.agreementWithTeacher), r.parameters.toLocaleString('en'), `${r.trainingSeconds.toFixed(0)} s`]),
  );
}
