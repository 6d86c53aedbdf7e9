/**
 * `sdt study`: trains every cell of the grid into its own run folder below `out`, skipping
 * cells already finished with the same configuration and continuing a cell from its
 * checkpoint, so an interrupted study goes on where it stopped.
 *
 * Any number of workers (processes on machines sharing `out`) run the same study together:
 * each claims the next unfinished cell by taking its folder's lock, trains it and releases
 * it; a cell another live worker holds is passed over and waited for at the end (its lock
 * is taken over, and the cell resumed from its checkpoint, if that worker stops).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendChoice } from '../backend.js';
import type { DataFile, Dataset } from '../data/dataset.js';
import { SdtError } from '../errors.js';
import { configDifferences, dataDifferences, moveAside } from '../runs/finishedRun.js';
import { FolderBusy, lockState, whenFree, withFolderLock } from '../runs/folderLock.js';
import { checkpointExists } from '../runs/checkpoint.js';
import { ensureFolder, writeJsonAtomic } from '../runs/files.js';
import { createManifest, readManifest, type RunConfig } from '../runs/manifest.js';
import { headlineAccuracy } from '../runs/metrics.js';
import { distilledSettings, distillTargets } from '../distill/softTargets.js';
import { cartStage, readStageMetrics, teacherStage, treeStage, type StageHooks } from '../distill/stages.js';
import type { CartRunOptions } from '../distill/trainCart.js';
import type { TeacherOptions } from '../distill/trainTeacher.js';
import { labelTargets, type TargetRecipe, type TreeTrainingOptions } from '../distill/trainTree.js';
import { logClaim } from './claims.js';
import { studyCells, type StudyCell, type StudyGrid } from './grid.js';
import { inShard, type Shard } from './shard.js';

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
  /** Only the cells of this shard (all cells when unset). */
  shard?: Shard;
  /** How often a worker looks again at cells other workers hold. */
  pollMs?: number;
}

export interface CellResult {
  cell: StudyCell;
  folder: string;
  metrics: Record<string, any>;
}

/**
 * What must not change between the runs of one study folder (the grid may grow while no worker
 * runs). With a given teacher folder, the teacher's options describe no training here (their
 * defaults may have changed since the study began), so only the folder counts.
 */
const fixedSettings = (config: Record<string, unknown>) => {
  const { seeds, depths, temperatures, cartCells, teacher, ...fixed } = config;
  return config.teacherFolder ? fixed : { ...fixed, teacher };
};
const gridSettings = (config: Record<string, unknown>) => ({ seeds: config.seeds, depths: config.depths, temperatures: config.temperatures, cartCells: config.cartCells });

/** The grid a study's manifest records (`cart`, there, is CART's options; `cartCells` whether it has CART cells, true before it was recorded). */
export const recordedGrid = (config: Record<string, unknown>): StudyGrid => ({ ...(config as unknown as StudyGrid), cart: (config.cartCells as boolean | undefined) ?? true });

export interface StudyRun {
  teacherFolder: string;
  /** 'CNN teacher' or 'MLP teacher'. */
  teacherName: string;
  teacherAccuracy: number;
  /** Every finished cell of the grid, in the grid's order. */
  cells: CellResult[];
  /** Cells of the grid not finished (other shards, or workers still at them). */
  unfinished: number;
  /** This worker finished the study's last cell, or found the study complete with no other worker at it. */
  writesSummary: boolean;
}

/**
 * The grid is recorded once in `out/manifest.json` (definition and data checksums); a worker
 * with other settings or data is refused, and so is one with another grid while any worker
 * still holds a cell (with no worker running, the grid may grow).
 */
function checkStudyFolder(out: string, studyConfig: Record<string, unknown>, files: DataFile[], force: boolean | undefined, say: (line: string) => void): void {
  if (!existsSync(join(out, 'manifest.json'))) return;
  const before = readManifest(out);
  const differences = before.command === 'study' ? [...configDifferences(fixedSettings(before.config), fixedSettings(studyConfig)), ...dataDifferences(before.data ?? [], files)] : [];
  const gridChanges = before.command === 'study' ? configDifferences(gridSettings(before.config), gridSettings(studyConfig)) : [];
  if (before.command === 'study' && (differences.length || gridChanges.length)) {
    const cells = studyCells(recordedGrid(before.config));
    const running = [join(out, 'teacher'), ...cells.map((c) => join(out, c.name))].filter((folder) => lockState(folder)?.live);
    if (running.length) {
      throw new SdtError(`${out} is being run by workers with another grid or settings (${[...differences, ...gridChanges].join(', ')}); start this worker with the same options as the others, or wait for them to finish.`);
    }
  }
  if (before.command !== 'study' || differences.length) {
    if (!force) {
      throw new SdtError(
        `${out} holds ${before.command === 'study' ? `a study with other settings: ${differences.join(', ')}` : `a ${before.command} run`}; ` +
          'give the same options (only --seeds, --depths and --temperatures may grow), another --out, or --force to move it aside and start anew.',
      );
    }
    say(`note: moved the ${before.command} in ${out} aside to ${moveAside(out)} (--force)`);
  }
}

export async function runStudy(
  dataset: Dataset,
  options: StudyOptions,
  out: string,
  backend: BackendChoice,
  baseConfig: { dataset: string; limit: number | null },
  hooks: StageHooks,
): Promise<StudyRun> {
  const K = dataset.classNames.length;
  const studyConfig = { ...baseConfig, ...options.grid, tree: { ...options.tree, depth: null, seed: null }, alpha: options.alpha, teacher: options.teacher, teacherFolder: options.teacherFolder ?? null, cart: options.cart, cartCells: options.grid.cart, seed: options.grid.seeds[0] };
  // One worker at a time checks and writes the study's record (a short hold).
  await whenFree(() => withFolderLock(join(out, 'manifest.json'), () => {
    checkStudyFolder(out, studyConfig, dataset.files, options.force, hooks.say);
    ensureFolder(out);
    writeJsonAtomic(join(out, 'manifest.json'), createManifest('study', studyConfig, backend, dataset.files));
  }, { say: hooks.say }), hooks.say);

  const resume = (folder: string) => ({ resume: true, resumeHint: `the same sdt study command (it continues ${folder})` });
  const teacherSeed = { ...baseConfig, seed: 1 };
  // The first worker trains the teacher; the others wait for it.
  const teacher = await whenFree(() => teacherStage(dataset, { ...options.teacher, seed: 1 }, options.teacherFolder, join(out, 'teacher'), backend, teacherSeed, hooks, resume(join(out, 'teacher'))), hooks.say);
  const hard = labelTargets(dataset.train.y, K);
  // The teacher's logits are read (or computed) once, whatever the number of temperatures.
  let logits: Float32Array | undefined;
  const outputs = { trainLogits: () => (logits ??= teacher.trainLogits()), logitsOf: teacher.logitsOf };
  const softAt = (temperature: number): TargetRecipe => distillTargets(outputs, dataset.train.y, K, temperature, options.alpha);

  const cells = studyCells(options.grid);
  const label = (cell: StudyCell) => `cell ${cells.indexOf(cell) + 1}/${cells.length} ${cell.name}`;
  /** The cell trained (or found done) under its lock; false when another live worker holds it. */
  const runCell = async (cell: StudyCell): Promise<{ trained: boolean } | false> => {
    const folder = join(out, cell.name);
    const cellConfig: RunConfig = { ...baseConfig, seed: cell.seed };
    try {
      return await withFolderLock(folder, async () => {
        const claimed = !existsSync(join(folder, 'manifest.json'));
        if (claimed) logClaim(out, cell.name, 'claimed', { resumed: checkpointExists(folder) });
        try {
          let trained: boolean;
          if (cell.kind === 'cart') {
            ({ trained } = await cartStage(dataset, { ...options.cart, maxDepth: cell.depth }, folder, backend, cellConfig, { ...hooks, say: () => undefined }));
          } else {
            const tree = { ...options.tree, depth: cell.depth, seed: cell.seed, transfer: cell.transfer };
            const soft = cell.kind === 'distilled' ? distilledSettings(teacher, cell.temperature!, options.alpha) : {};
            const config = { ...cellConfig, ...tree, ...soft };
            const cellHooks = { say: hooks.say, progress: (_: string, epochs: number) => hooks.progress(label(cell), epochs) };
            ({ trained } = await treeStage(dataset, cell.kind, cell.kind === 'distilled' ? softAt(cell.temperature!) : hard, tree, folder, config, backend, cellHooks, resume(folder)));
          }
          if (trained) logClaim(out, cell.name, 'finished');
          return { trained };
        } catch (error) {
          if (claimed) logClaim(out, cell.name, 'failed', { error: error instanceof Error ? error.message : String(error) });
          throw error;
        }
      }, { say: hooks.say });
    } catch (error) {
      if (error instanceof FolderBusy && error.path === folder) return false;
      throw error;
    }
  };

  // Pass over this worker's cells, claiming each free one; then wait for those other workers hold.
  const allDone = () => cells.every((cell) => existsSync(join(out, cell.name, 'manifest.json')));
  let pending = cells.filter(inShard(options.shard));
  let waited = false;
  let trainedAny = false;
  let finishedLast = false;
  const told = new Set<string>();
  for (;;) {
    const held: StudyCell[] = [];
    for (const cell of pending) {
      const result = await runCell(cell);
      if (!result) {
        held.push(cell);
        const holder = lockState(join(out, cell.name))?.holder;
        if (!told.has(cell.name)) hooks.say(`${label(cell)}: being trained by ${holder ? `pid ${holder.pid} on ${holder.host}` : 'another worker'}; passed over`);
        told.add(cell.name);
        continue;
      }
      // The worker whose cell completes the grid writes the summary (if two finish together, both do: the same files).
      if (result.trained) [trainedAny, finishedLast] = [true, allDone()];
      const metrics = readStageMetrics(join(out, cell.name));
      hooks.say(`${label(cell)}: ${result.trained ? 'trained' : 'already done'}, test accuracy ${(100 * headlineAccuracy(metrics.test)!).toFixed(2)} %`);
    }
    if (!held.length) break;
    waited = true;
    pending = held;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
  }

  const done = cells.filter((cell) => existsSync(join(out, cell.name, 'manifest.json')));
  const results = done.map((cell) => ({ cell, folder: join(out, cell.name), metrics: readStageMetrics(join(out, cell.name)) }));
  const unfinished = cells.length - done.length;
  // A study found already complete, by a worker that met no other, is summarized again (as one process always did).
  const writesSummary = finishedLast || (!unfinished && !trainedAny && !waited);
  return { teacherFolder: teacher.folder, teacherName: teacher.name, teacherAccuracy: teacher.testAccuracy, cells: results, unfinished, writesSummary };
}
