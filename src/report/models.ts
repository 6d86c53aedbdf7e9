/**
 * A run's model loaded for measuring: one call per single example (latency) and one over a
 * whole split (throughput, and the predictions agreement is computed from), as
 * src/models/modelFile.ts opens it.
 */
import type { Split } from '../data/dataset.js';
import { openModel, openTeacher, type OpenedModel } from '../models/modelFile.js';
import { readModelJson } from '../models/treeFile.js';
import type { RunRecord } from './runs.js';

export interface LoadedModel {
  features: number;
  classes: number;
  /** Predicts one preprocessed example; returns when the answer is computed. */
  predictOne(row: Float32Array): void;
  /** The predicted class of every row (max-path class for soft trees). */
  predictAll(split: Split): Int32Array;
  dispose(): void;
}

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

const loaded = (model: OpenedModel): LoadedModel => ({
  features: product(model.inputShape),
  classes: model.classes,
  predictOne: model.predictOne,
  predictAll: (split) => model.predictAll(split).predicted,
  dispose: model.dispose,
});

/** The model of a run whose model files exist (RunRecord.modelFiles). */
export async function loadModel(run: RunRecord): Promise<LoadedModel> {
  return loaded(await (run.command === 'teacher' ? openTeacher(run.folder) : openModel(run.modelFiles![0])));
}

/** A teacher folder's CNN (TensorFlow.js must have a backend). */
export async function loadTeacherModel(folder: string): Promise<LoadedModel> {
  return loaded(await openTeacher(folder));
}

/** Class names a model file records (trees and CART), or null. */
export function modelClassNames(run: RunRecord): string[] | null {
  if (!run.modelFiles || run.command === 'teacher') return null;
  try {
    const json = readModelJson(run.modelFiles[0]) as { classNames?: unknown };
    return Array.isArray(json?.classNames) && json.classNames.every((c) => typeof c === 'string') ? json.classNames : null;
  } catch {
    return null;
  }
}
