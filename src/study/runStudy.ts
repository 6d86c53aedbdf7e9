/**
 * `sdt study`: trains every cell of the grid into its own run folder below `out`, skipping
 * cells already finished with the same configuration and continuing a cell from its
 * checkpoint, so an interrupted study goes on where it stopped.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendChoice } from '../backend.js';
import type { Dataset } from '../data/dataset.js';
import { SdtError } from '../errors.js';
import { configDifferences, moveAside } from '../runs/finishedRun.js';
import { ensureFolder, writeJsonAtomic } from '../runs/files.js';
import { createManifest, readManifest, type RunConfig } from '../runs/manifest.js';
import { headlineAccuracy } from '../runs/metrics.js';
import { distilledSettings, distillTargets } from '../distill/softTargets.js';
import { cartStage, readStageMetrics, teacherStage, treeStage, type StageHooks } from '../distill/stages.js';
import type { CartRunOptions } from '../distill/trainCart.js';
import type { TeacherOptions } from '../distill/trainTeacher.js';
import { labelTargets, type TargetRecipe, type TreeTrainingOptions } from '../distill/trainTree.js';
import { studyCells, type StudyCell, type StudyGrid } from './grid.js';

export interface StudyOptions {
  grid: StudyGrid;
  /** Everything about the trees but depth and seed, which the grid sets. */
  tree: TreeTrainingOptions;
  alpha: number;
  teacher: TeacherOptions;
  /** A finished teacher run to use instead of training one in `out/teacher`. */
  teacherFolder?: string;
  cart: CartRunOptions;
  /** Move a study folder of other settings aside instead of refusing it. */
  force?: boolean;
}

export interface CellResult {
  cell: StudyCell;
  folder: string;
  metrics: Record<string, any>;
  trained: boolean;
}

/** What must not change between the runs of one study folder (the grid may grow). */
const fixedSettings = (config: Record<string, unknown>) => {
  const { seeds, depths, temperatures, ...fixed } = config;
  return fixed;
};

export async function runStudy(
  dataset: Dataset,
  options: StudyOptions,
  out: string,
  backend: BackendChoice,
  baseConfig: { dataset: string; limit: number | null },
  hooks: StageHooks,
): Promise<{ teacherFolder: string; teacherAccuracy: number; cells: CellResult[] }> {
  const K = dataset.classNames.length;
  const studyConfig = { ...baseConfig, ...options.grid, tree: { ...options.tree, depth: null, seed: null }, alpha: options.alpha, teacher: options.teacher, teacherFolder: options.teacherFolder ?? null, cart: options.cart, seed: options.grid.seeds[0] };
  if (existsSync(join(out, 'manifest.json'))) {
    const before = readManifest(out);
    const differences = before.command === 'study' ? configDifferences(fixedSettings(before.config), fixedSettings(studyConfig)) : [];
    if (before.command !== 'study' || differences.length) {
      if (!options.force) {
        throw new SdtError(
          `${out} holds ${before.command === 'study' ? `a study with other settings: ${differences.join(', ')}` : `a ${before.command} run`}; ` +
            'give the same options (only --seeds, --depths and --temperatures may grow), another --out, or --force to move it aside and start anew.',
        );
      }
      hooks.say(`note: moved the ${before.command} in ${out} aside to ${moveAside(out)} (--force)`);
    }
  }
  ensureFolder(out);
  writeJsonAtomic(join(out, 'manifest.json'), createManifest('study', studyConfig, backend, dataset.files));

  const resume = (folder: string) => ({ resume: true, resumeHint: `the same sdt study command (it continues ${folder})` });
  const teacherSeed = { ...baseConfig, seed: 1 };
  const teacher = await teacherStage(dataset, { ...options.teacher, seed: 1 }, options.teacherFolder, join(out, 'teacher'), backend, teacherSeed, hooks, resume(join(out, 'teacher')));
  const hard = labelTargets(dataset.train.y, K);
  // The teacher's logits are read (or computed) once, whatever the number of temperatures.
  let logits: Float32Array | undefined;
  const outputs = { trainLogits: () => (logits ??= teacher.trainLogits()), logitsOf: teacher.logitsOf };
  const softAt = (temperature: number): TargetRecipe => distillTargets(outputs, dataset.train.y, K, temperature, options.alpha);

  const cells = studyCells(options.grid);
  const results: CellResult[] = [];
  for (const [i, cell] of cells.entries()) {
    const folder = join(out, cell.name);
    const label = `cell ${i + 1}/${cells.length} ${cell.name}`;
    const cellConfig: RunConfig = { ...baseConfig, seed: cell.seed };
    let trained = false;
    if (cell.kind === 'cart') {
      ({ trained } = await cartStage(dataset, { ...options.cart, maxDepth: cell.depth }, folder, backend, cellConfig, { ...hooks, say: () => undefined }));
    } else {
      const tree = { ...options.tree, depth: cell.depth, seed: cell.seed, transfer: cell.transfer };
      const soft = cell.kind === 'distilled' ? distilledSettings(teacher, cell.temperature!, options.alpha) : {};
      const config = { ...cellConfig, ...tree, ...soft };
      const cellHooks = { say: hooks.say, progress: (_: string, epochs: number) => hooks.progress(label, epochs) };
      ({ trained } = await treeStage(dataset, cell.kind, cell.kind === 'distilled' ? softAt(cell.temperature!) : hard, tree, folder, config, backend, cellHooks, resume(folder)));
    }
    const metrics = readStageMetrics(folder);
    hooks.say(`${label}: ${trained ? 'trained' : 'already done'}, test accuracy ${(100 * headlineAccuracy(metrics.test)!).toFixed(2)} %`);
    results.push({ cell, folder, metrics, trained });
  }
  return { teacherFolder: teacher.folder, teacherAccuracy: teacher.testAccuracy, cells: results };
}
