/** The in-memory form every dataset takes, whatever file it came from. */
import { gatherRows } from './rows.js';

/** Examples of one split: `x` is row-major [n, features], values already preprocessed. */
export interface Split {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

/** How raw values (pixels 0–255, CSV numbers) map to model inputs: input = raw · scale + offset. */
export interface Preprocessing {
  scale: number | number[];
  offset: number | number[];
}

/** Model inputs from raw values, rows of `features` values each: input = raw · scale + offset. */
export function preprocessRows(raw: ArrayLike<number>, features: number, { scale, offset }: Preprocessing): Float32Array {
  const at = (v: number | number[], f: number) => (typeof v === 'number' ? v : v[f]);
  return Float32Array.from(raw, (v, i) => v * at(scale, i % features) + at(offset, i % features));
}

export interface DataFile {
  role: string;
  path: string;
  sha256: string;
}

export interface Dataset {
  name: string;
  /** [28, 28, 1] for images, [features] for tabular data. */
  inputShape: number[];
  classNames: string[];
  /** Column names of tabular data (absent for images). */
  featureNames?: string[];
  train: Split;
  test: Split;
  files: DataFile[];
  preprocessing: Preprocessing;
  /** The seed of the test split of a dataset without its own test set (CSV); model files record it, so that evaluation splits alike. */
  split?: { seed: number };
  /** Facts about the data worth a user's attention (constant features, tiny classes), one sentence each. */
  notes?: string[];
}

export function featureCount(dataset: Pick<Dataset, 'inputShape'>): number {
  return dataset.inputShape.reduce((a, b) => a * b, 1);
}

/** The rows `indices` of a split, copied. */
export function subset(split: Split, indices: ArrayLike<number>, features: number): Split {
  return { x: gatherRows(split.x, indices, features), y: Int32Array.from(indices, (r) => split.y[r]), n: indices.length };
}
