/**
 * Any model sdt writes, opened for prediction: an sdt-tree/1, /2 or sdt-cart/1 file (soft trees
 * in the pure TypeScript predictor, CART in its own) or a teacher run folder (TensorFlow.js,
 * which must have a backend). `sdt evaluate` and the report both open models here.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../data/dataset.js';
import { argMaxRows } from '../data/rows.js';
import { SdtError } from '../errors.js';
import { filterMeasures, type FilterMeasures } from '../eval/filterMeasures.js';
import { CART_FORMAT, cartFromJson } from './cartFile.js';
import { predictCart } from './cartPredict.js';
import { teacherArchOf, teacherLogits } from './teacher.js';
import { loadTeacher, TEACHER_MODEL } from './teacherFile.js';
import { imageShapeOf } from './filterPenalty.js';
import { parseTreeFile, readModelJson, TREE_FORMAT, TREE_FORMAT_EXPLICIT, TREE_FORMATS } from './treeFile.js';
import { createTreePredictor, predictRows } from './treePredictor.js';

export interface OpenedModel {
  /** What it is, for people: "soft decision tree, depth 8", "CART", "teacher (CNN)", "teacher (MLP)". */
  kind: string;
  inputShape: number[];
  classes: number;
  /** The model file's training record (dataset, split seed); undefined for a teacher. */
  training?: unknown;
  /** How sparse and smooth a soft tree's filters are (absent for other models). */
  filters?: FilterMeasures;
  /** Predicts one preprocessed example; returns when the answer is computed (latency). */
  predictOne(row: Float32Array): void;
  /** The class of every row (max-path for soft trees), and for soft trees the mixture's. */
  predictAll(split: Split): { predicted: Int32Array; mixture?: Int32Array };
  dispose(): void;
}

/** A teacher is a folder (or its model.json); tree and CART models are single files. */
export const isTeacherPath = (path: string) => Boolean(statSync(path, { throwIfNoEntry: false })?.isDirectory()) || path.endsWith(TEACHER_MODEL);

export async function openModel(path: string): Promise<OpenedModel> {
  if (isTeacherPath(path)) {
    const folder = path.endsWith(TEACHER_MODEL) ? join(path, '..') : path;
    if (!existsSync(join(folder, TEACHER_MODEL))) throw new SdtError(`${path} is a folder without ${TEACHER_MODEL}: not a teacher run.`);
    return openTeacher(folder);
  }
  const json = readModelJson(path) as { format?: unknown };
  if (typeof json?.format === 'string' && TREE_FORMATS.includes(json.format)) {
    const file = parseTreeFile(json, path);
    const predictor = createTreePredictor(file);
    return {
      kind: `soft decision tree, depth ${file.depth}${file.inner.children ? `, ${file.inner.weights.length} inner nodes (pruned)` : ''}`,
      inputShape: file.inputShape,
      classes: predictor.classes,
      training: file.training,
      filters: filterMeasures(file.inner.weights, imageShapeOf(file.inputShape)),
      predictOne: (row) => void predictor.predict(row),
      predictAll: (split) => {
        const results = predictRows(predictor, split);
        return { predicted: Int32Array.from(results, (r) => r.maxPathClass), mixture: Int32Array.from(results, (r) => r.mixtureClass) };
      },
      dispose: () => {},
    };
  }
  if (json?.format !== CART_FORMAT) {
    throw new SdtError(`model file ${path} is not a model sdt wrote (format ${JSON.stringify(json?.format ?? null)}); sdt reads ${TREE_FORMAT}, ${TREE_FORMAT_EXPLICIT}, ${CART_FORMAT} and teacher folders.`);
  }
  const cart = cartFromJson(json, path);
  return {
    kind: 'CART',
    inputShape: cart.inputShape,
    classes: cart.classNames.length,
    training: cart.training,
    predictOne: (row) => void predictCart(cart.model, row, 1),
    predictAll: (split) => ({ predicted: predictCart(cart.model, split.x, split.n) }),
    dispose: () => {},
  };
}

/** A teacher folder's CNN or MLP. */
export async function openTeacher(folder: string): Promise<OpenedModel> {
  const model = await loadTeacher(folder);
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  const classes = model.outputs[0].shape[1] as number;
  return {
    kind: `teacher (${teacherArchOf(model).toUpperCase()})`,
    inputShape,
    classes,
    predictOne(row) {
      const logits = tf.tidy(() => model.predict(tf.tensor(row, [1, ...inputShape])) as tf.Tensor);
      logits.dataSync();
      logits.dispose();
    },
    predictAll: (split) => ({ predicted: argMaxRows(teacherLogits(model, split), classes) }),
    dispose: () => model.dispose(),
  };
}
