/**
 * The teacher every model's test predictions are compared with, one per dataset: a teacher
 * run among the inputs if there is one, else the teacher folder a distilled run names in
 * its configuration, if that folder still holds the model.
 */
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Split } from '../data/dataset.js';
import { SdtError } from '../errors.js';
import { TEACHER_MODEL } from '../models/teacherFile.js';
import { readManifest } from '../runs/manifest.js';
import type { RunGroup } from './group.js';
import { loadTeacherModel, type LoadedModel } from './models.js';
import type { RunRecord } from './runs.js';

export interface TeacherReference {
  dataset: string;
  folder: string;
  /** 'input': a teacher run given to the report; 'config': named by a distilled run. */
  source: 'input' | 'config';
}

const datasetOf = (run: RunRecord) => String(run.manifest.config.dataset ?? 'mnist');
const real = (path: string) => (existsSync(path) ? realpathSync(path) : path);

export function chooseReferences(groups: RunGroup[]): TeacherReference[] {
  const chosen = new Map<string, TeacherReference>();
  const runs = groups.flatMap((g) => g.runs);
  for (const run of runs) {
    if (run.command === 'teacher' && run.modelFiles && !chosen.has(datasetOf(run))) {
      chosen.set(datasetOf(run), { dataset: datasetOf(run), folder: run.folder, source: 'input' });
    }
  }
  for (const run of runs) {
    const folder = run.manifest.config.teacher;
    if (run.command !== 'distilled' || typeof folder !== 'string' || chosen.has(datasetOf(run))) continue;
    if (!existsSync(join(folder, TEACHER_MODEL)) || !existsSync(join(folder, 'weights.bin'))) continue;
    let dataset = datasetOf(run);
    try {
      dataset = String(readManifest(folder).config.dataset ?? dataset);
    } catch {
      // a teacher folder without a readable manifest: trust the distilled run's dataset
    }
    if (dataset === datasetOf(run)) chosen.set(dataset, { dataset, folder, source: 'config' });
  }
  return [...chosen.values()];
}

/** Loads each reference teacher once and predicts each test split once. */
export function createReferencePredictions(references: TeacherReference[], say: (line: string) => void) {
  const models = new Map<string, Promise<LoadedModel | null>>();
  const predictions = new Map<string, WeakMap<Split, Int32Array>>();
  const referenceFor = (run: RunRecord) => references.find((r) => r.dataset === datasetOf(run));
  const modelOf = (folder: string) => {
    if (!models.has(folder)) {
      models.set(folder, loadTeacherModel(folder).catch((error) => {
        if (!(error instanceof SdtError)) throw error;
        say(`cannot load the reference teacher ${folder} (${error.message}); agreement is left out.`);
        return null;
      }));
    }
    return models.get(folder)!;
  };
  const isReference = (run: RunRecord) => run.command === 'teacher' && real(run.folder) === real(referenceFor(run)?.folder ?? '');
  const cacheOf = (folder: string) => {
    const cache = predictions.get(folder) ?? new WeakMap<Split, Int32Array>();
    predictions.set(folder, cache);
    return cache;
  };
  return {
    isReference,
    /** The reference teacher's own predictions, when it was measured as a row of the report. */
    remember(run: RunRecord, test: Split, predicted: Int32Array): void {
      if (isReference(run)) cacheOf(referenceFor(run)!.folder).set(test, predicted);
    },
    async predict(run: RunRecord, test: Split): Promise<Int32Array | null> {
      const reference = referenceFor(run);
      if (!reference) return null;
      const cache = cacheOf(reference.folder);
      if (!cache.has(test)) {
        const model = await modelOf(reference.folder);
        if (!model || model.features * test.n !== test.x.length) return null;
        say(`teacher ${reference.folder}: predicting ${test.n} test examples`);
        cache.set(test, model.predictAll(test));
      }
      return cache.get(test)!;
    },
    dispose: async () => {
      for (const model of models.values()) (await model)?.dispose();
    },
  };
}
