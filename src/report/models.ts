/**
 * A run's model loaded for measuring: one call per single example (latency) and one over a
 * whole split (throughput, and the predictions agreement is computed from). Trees run in
 * the pure TypeScript predictor, CART in its own, the teacher in TensorFlow.js.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../data/dataset.js';
import { argMaxRows } from '../data/rows.js';
import { predictCart } from '../models/cartPredict.js';
import { cartFromJson } from '../models/cartFile.js';
import { teacherLogits } from '../models/teacher.js';
import { loadTeacher } from '../models/teacherFile.js';
import { readModelJson, readTreeFile } from '../models/treeFile.js';
import { createTreePredictor } from '../models/treePredictor.js';
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

/** The model of a run whose model files exist (RunRecord.modelFiles). */
export async function loadModel(run: RunRecord): Promise<LoadedModel> {
  const [path] = run.modelFiles!;
  if (run.command === 'teacher') return loadTeacherModel(run.folder);
  if (run.command === 'cart') {
    const { model, inputShape, classNames } = cartFromJson(readModelJson(path), path);
    return {
      features: product(inputShape),
      classes: classNames.length,
      predictOne: (row) => void predictCart(model, row, 1),
      predictAll: (split) => predictCart(model, split.x, split.n),
      dispose: () => {},
    };
  }
  const file = readTreeFile(path);
  const predictor = createTreePredictor(file);
  const F = predictor.features;
  return {
    features: F,
    classes: predictor.classes,
    predictOne: (row) => void predictor.predict(row),
    predictAll: (split) => Int32Array.from({ length: split.n }, (_, i) => predictor.predict(split.x.subarray(i * F, (i + 1) * F)).maxPathClass),
    dispose: () => {},
  };
}

/** A teacher folder's CNN (TensorFlow.js must have a backend). */
export async function loadTeacherModel(folder: string): Promise<LoadedModel> {
  const model = await loadTeacher(folder);
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  const classes = model.outputs[0].shape[1] as number;
  return {
    features: product(inputShape),
    classes,
    predictOne(row) {
      const logits = tf.tidy(() => model.predict(tf.tensor(row, [1, ...inputShape])) as tf.Tensor);
      logits.dataSync();
      logits.dispose();
    },
    predictAll: (split) => argMaxRows(teacherLogits(model, split), classes),
    dispose: () => model.dispose(),
  };
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
