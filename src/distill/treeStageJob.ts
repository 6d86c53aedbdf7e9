/**
 * A tree stage as data, so that it can run in a process of its own: which dataset to load,
 * which targets to build (labels, or a teacher's softened outputs), the training options and
 * the run folder. `runTreeStageJob` is what the child process (treeStageMain.ts) calls.
 */
import type { BackendChoice, BackendName } from '../backend.js';
import type { Dataset } from '../data/dataset.js';
import { loadDataset } from '../data/datasets.js';
import { SdtError } from '../errors.js';
import { loadTeacher, teacherChecksum } from '../models/teacherFile.js';
import type { RunConfig } from '../runs/manifest.js';
import { distillTargets } from './softTargets.js';
import { teacherOutputs, treeStage, type ResumeSettings, type StageHooks } from './stages.js';
import { labelTargets, type TargetRecipe, type TreeTrainingOptions } from './trainTree.js';

/** How to load a dataset again: what the command was given. */
export interface DatasetSource {
  spec: string;
  dataDir?: string;
  limit?: number;
  seed: number;
}

export type StageTargets =
  | { kind: 'labels' }
  | { kind: 'teacher'; folder: string; checksum: string; temperature: number; alpha: number };

export interface TreeStageJob {
  name: string;
  targets: StageTargets;
  options: TreeTrainingOptions;
  folder: string;
  config: RunConfig;
  resume: ResumeSettings;
}

/** The recipe a job's targets describe; a teacher that changed since the job was made is refused. */
export async function targetRecipe(targets: StageTargets, dataset: Dataset, hooks: Pick<StageHooks, 'say'>): Promise<TargetRecipe> {
  const K = dataset.classNames.length;
  if (targets.kind === 'labels') return labelTargets(dataset.train.y, K);
  if (teacherChecksum(targets.folder) !== targets.checksum) {
    throw new SdtError(`the teacher in ${targets.folder} changed while its trees were being trained.`);
  }
  const outputs = teacherOutputs(await loadTeacher(targets.folder), targets.folder, targets.checksum, dataset, hooks);
  return distillTargets(outputs, dataset.train.y, K, targets.temperature, targets.alpha);
}

export async function runTreeStageJob(job: TreeStageJob, dataset: Dataset, backend: BackendChoice, hooks: StageHooks) {
  return treeStage(dataset, job.name, await targetRecipe(job.targets, dataset, hooks), job.options, job.folder, job.config, backend, hooks, job.resume);
}

/** What the parent sends its child: the job, and where the data and backend come from. */
export interface TreeStageRequest {
  job: TreeStageJob;
  source: DatasetSource;
  backend: BackendName;
}

export function loadSource(source: DatasetSource): Dataset {
  return loadDataset(source.spec, { dataDir: source.dataDir, limit: source.limit, seed: source.seed });
}
