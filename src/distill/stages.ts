/**
 * The stages `sdt distill` and `sdt study` share: a teacher (given, reused or trained), its
 * outputs, and a soft tree trained on given targets. A stage whose folder already holds a
 * finished run of the same configuration is reused; one holding a checkpoint continues.
 */
import { existsSync } from 'node:fs';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Progress } from '../progress.js';
import { join } from 'node:path';
import type { BackendChoice } from '../backend.js';
import type { Dataset } from '../data/dataset.js';
import { argMaxRows } from '../data/rows.js';
import { SdtError } from '../errors.js';
import { agreement } from '../eval/metrics.js';
import { predictCart } from '../models/cartPredict.js';
import { CART_MODEL_NAME, cartFromJson } from '../models/cartFile.js';
import { teacherArchOf, teacherLogits } from '../models/teacher.js';
import { readModelJson } from '../models/treeFile.js';
import { loadTeacher, TEACHER_MODEL, teacherChecksum } from '../models/teacherFile.js';
import { priorRun } from '../runs/finishedRun.js';
import { withFolderLock } from '../runs/folderLock.js';
import { createManifest, readManifest, type RunConfig } from '../runs/manifest.js';
import { readMetrics } from '../runs/metrics.js';
import { cachedTeacherLogits, type TeacherOutputs } from './softTargets.js';
import type { TrainCallbacks } from './train.js';
import { trainCartRun, type CartRunOptions, type TrainedCart } from './trainCart.js';
import { trainTeacher, type TeacherOptions } from './trainTeacher.js';
import { refuseChangedTransfer } from './transferFile.js';
import { trainTree, type TargetRecipe, type TreeTrainingOptions } from './trainTree.js';
import { writeTreeRun } from './treeRun.js';

export interface StageHooks {
  say(line: string): void;
  progress(label: string, epochs: number): TrainCallbacks;
  /** A progress bar over `total` steps (stages running side by side share one). */
  bar?(label: string, total: number): Progress;
}

/**
 * Continue from checkpoints (training otherwise refuses a folder holding one), and how to;
 * with `force`, a finished stage of another configuration is moved aside (else refused).
 */
export interface ResumeSettings {
  resume: boolean;
  resumeHint: string;
  force?: boolean;
}

/** The metrics of a stage's finished run, which training again would replace. */
export const readStageMetrics = (folder: string) => readMetrics(folder, `Remove ${folder} to train it again.`);

export interface TeacherStage extends TeacherOutputs {
  folder: string;
  /** 'CNN teacher' or 'MLP teacher', from the model's layers. */
  name: string;
  /** Its content checksum: a retrained teacher invalidates the trees distilled from it. */
  checksum: string;
  parameters: number;
  seconds: number;
  testAccuracy: number;
  testPredictions: Int32Array;
}

/** A teacher's logits on the training set and on transfer images, each cached beside the teacher. */
export function teacherOutputs(model: LayersModel, folder: string, checksum: string, dataset: Dataset, hooks: Pick<StageHooks, 'say'>): TeacherOutputs {
  return {
    trainLogits() {
      const { logits, cached, path } = cachedTeacherLogits(folder, checksum, dataset, () => teacherLogits(model, dataset.train));
      hooks.say(`teacher logits on the training set: ${cached ? 'cached' : 'computed'} (${path ?? `not cached: ${folder} cannot be written`})`);
      return logits;
    },
    logitsOf(x, n, key) {
      const images = { x, y: new Int32Array(n), n };
      const { logits, cached } = cachedTeacherLogits(folder, checksum, dataset, () => teacherLogits(model, images), { key, n });
      hooks.say(`teacher logits on ${n} transfer images: ${cached ? 'cached' : 'computed'}`);
      return logits;
    },
  };
}

/** The teacher: a given folder, a finished run of the same configuration in `folder`, or trained now. */
export async function teacherStage(
  dataset: Dataset,
  options: TeacherOptions,
  given: string | undefined,
  folder: string,
  backend: BackendChoice,
  baseConfig: RunConfig,
  hooks: StageHooks,
  resume: ResumeSettings,
): Promise<TeacherStage> {
  const K = dataset.classNames.length;
  const teacherFolder = given ?? folder;
  if (given && !existsSync(join(given, TEACHER_MODEL))) {
    throw new SdtError(`teacher folder ${given} has no ${TEACHER_MODEL}.`, 'Give a folder written by `sdt teacher` (or the teacher/ folder of a distill run).');
  }
  const reuse = async () => {
    const trainedOn = readManifest(teacherFolder).config.dataset;
    if (trainedOn !== dataset.name) throw new SdtError(`the teacher in ${teacherFolder} was trained on ${trainedOn}, not ${dataset.name}.`);
    hooks.say(`teacher: reusing ${teacherFolder}`);
    return { model: await loadTeacher(teacherFolder), seconds: readStageMetrics(teacherFolder).trainingSeconds as number, testLogits: undefined };
  };
  const { model, seconds, testLogits } = given ? await reuse() : await withFolderLock(teacherFolder, async () =>
    priorRun(teacherFolder, 'teacher', { ...baseConfig, ...options }, dataset.files, { force: resume.force, say: hooks.say }) === 'done'
      ? reuse()
      : trainTeacher(dataset, options, teacherFolder, backend, baseConfig, hooks.progress('teacher', options.epochs), resume), { say: hooks.say });
  const checksum = teacherChecksum(teacherFolder);
  // A teacher trained just now has been evaluated on the test set already: its logits are reused
  // (on 10,000 images that is seconds of --quick's minute).
  const testPredictions = argMaxRows(testLogits ?? teacherLogits(model, dataset.test), K);
  const testAccuracy = agreement(testPredictions, dataset.test.y);
  hooks.say(`teacher test accuracy ${(testAccuracy * 100).toFixed(2)} %`);
  return {
    folder: teacherFolder,
    name: `${teacherArchOf(model).toUpperCase()} teacher`,
    checksum,
    parameters: model.countParams(),
    seconds,
    testAccuracy,
    testPredictions,
    ...teacherOutputs(model, teacherFolder, checksum, dataset, hooks),
  };
}

/** A soft tree trained on `targets` into `folder`, unless a finished run of `config` is there; its metrics, and whether it trained. */
export async function treeStage(
  dataset: Dataset,
  name: string,
  targets: TargetRecipe,
  options: TreeTrainingOptions,
  folder: string,
  config: RunConfig,
  backend: BackendChoice,
  hooks: StageHooks,
  resume: ResumeSettings,
) {
  return withFolderLock(folder, async () => {
    refuseChangedTransfer(folder, options);
    const trained = priorRun(folder, name, config, dataset.files, { force: resume.force, say: hooks.say }) === 'fresh';
    if (!trained) hooks.say(`${name}: reusing ${folder}`);
    else {
      const tree = await trainTree(dataset, targets, options, hooks.progress(name, options.epochs), { folder, config, ...resume });
      writeTreeRun(folder, createManifest(name, config, backend, dataset.files), tree);
    }
    return { metrics: readStageMetrics(folder), trained };
  }, { say: hooks.say });
}

/** CART fitted into `folder`, unless a finished run of the same configuration is there; whether it was fitted. */
export async function cartStage(
  dataset: Dataset, options: CartRunOptions, folder: string, backend: BackendChoice, baseConfig: RunConfig, hooks: StageHooks, force?: boolean,
): Promise<{ trained: boolean; cart: TrainedCart }> {
  return withFolderLock(folder, () => {
    if (priorRun(folder, 'cart', { ...baseConfig, ...options }, dataset.files, { force, say: hooks.say }) === 'fresh') {
      return { trained: true, cart: trainCartRun(dataset, options, folder, backend, baseConfig) };
    }
    hooks.say(`cart: reusing ${folder}`);
    const metrics = readStageMetrics(folder);
    const path = join(folder, CART_MODEL_NAME);
    const { model } = cartFromJson(readModelJson(path), path);
    // A CART run's metrics.json records these (src/distill/trainCart.ts).
    const cart = {
      testAccuracy: metrics.test.accuracy!, testPredictions: predictCart(model, dataset.test.x, dataset.test.n),
      parameters: metrics.parameters, leaves: metrics.leaves!, depth: metrics.depth!, seconds: metrics.trainingSeconds,
    };
    return { trained: false, cart };
  }, { say: hooks.say });
}
