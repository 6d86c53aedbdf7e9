/**
 * Makes a run again from its manifest alone (command, configuration, seed) and compares the
 * new metrics with the recorded ones. The data must be the data the run was made with.
 */
import type { BackendChoice } from '../backend.js';
import type { Dataset } from '../data/dataset.js';
import { SdtError } from '../errors.js';
import { pickOptions } from '../pickOptions.js';
import type { Manifest } from '../runs/manifest.js';
import { distillTargets } from './softTargets.js';
import { cartStage, readStageMetrics, type StageHooks, teacherStage, treeStage } from './stages.js';
import { CART_DEFAULTS } from './trainCart.js';
import { TEACHER_DEFAULTS, type TeacherOptions, withWarmup } from './trainTeacher.js';
import { labelTargets, TREE_DEFAULTS } from './trainTree.js';

export const REPRODUCIBLE = ['teacher', 'baseline', 'distilled', 'cart'];

/** A teacher's options: the MLP's architecture and the warm-up share are recorded beside them when they apply. */
function teacherOptionsIn(config: Record<string, unknown>): TeacherOptions {
  const options = withWarmup(pickOptions(TEACHER_DEFAULTS, config), config.warmup);
  return config.arch === 'mlp' ? { ...options, arch: 'mlp', hidden: config.hidden as number[] } : options;
}

/** Every data file the run read must be the same file now. */
export function checkSameData(manifest: Manifest, dataset: Dataset, manifestPath: string): void {
  for (const recorded of manifest.data) {
    const now = dataset.files.find((f) => f.role === recorded.role);
    if (now && now.sha256 !== recorded.sha256) {
      throw new SdtError(`${now.path} is not the ${recorded.role} file the run in ${manifestPath} used (sha256 ${now.sha256.slice(0, 12)}…, recorded ${recorded.sha256.slice(0, 12)}…).`);
    }
  }
}

/** Trains the run `manifest` describes into `out`; returns its metrics. */
export async function reproduceRun(manifest: Manifest, dataset: Dataset, out: string, backend: BackendChoice, hooks: StageHooks, force = false) {
  const config = manifest.config as Record<string, unknown> & { seed: number };
  const base = { dataset: config.dataset, limit: config.limit ?? null, seed: config.seed };
  const resume = { resume: true, resumeHint: `the same sdt reproduce command (it continues ${out})`, force };
  const K = dataset.classNames.length;
  switch (manifest.command) {
    case 'teacher':
      await teacherStage(dataset, teacherOptionsIn(config), undefined, out, backend, base, hooks, resume);
      break;
    case 'cart':
      await cartStage(dataset, pickOptions(CART_DEFAULTS, config), out, backend, base, hooks, force);
      break;
    case 'baseline':
      await treeStage(dataset, 'baseline', labelTargets(dataset.train.y, K), pickOptions(TREE_DEFAULTS, config), out, config, backend, hooks, resume);
      break;
    case 'distilled': {
      const teacher = await teacherStage(dataset, TEACHER_DEFAULTS, config.teacher as string, '', backend, base, hooks, resume);
      if (teacher.checksum !== config.teacherChecksum) {
        throw new SdtError(`the teacher in ${teacher.folder} has changed since the run was made (its checksum differs from the manifest's).`);
      }
      const [T, alpha] = [config.temperature as number, config.alpha as number];
      const targets = distillTargets(teacher, dataset.train.y, K, T, alpha);
      await treeStage(dataset, 'distilled', targets, pickOptions(TREE_DEFAULTS, config), out, config, backend, hooks, resume);
      break;
    }
    default:
      throw new SdtError(`a ${manifest.command} manifest describes several runs; reproduce one of them (its ${REPRODUCIBLE.join(', ')} folders each hold a manifest.json).`);
  }
  return readStageMetrics(out);
}
