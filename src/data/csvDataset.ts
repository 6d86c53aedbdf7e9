/**
 * A CSV table as a Dataset: a seeded stratified train/test draw, features min–max scaled
 * with the training split's statistics.
 */
import { resolve } from 'node:path';
import { SdtError } from '../errors.js';
import { sha256File } from './fileHashes.js';
import { readCsv } from './csv.js';
import type { Dataset, Split } from './dataset.js';
import { stratifiedSplit } from './split.js';

/** `spec` is csv:PATH or csv:PATH#label=COLUMN; the first `limit` rows of each split are kept. */
export function loadCsvDataset(spec: string, options: { seed?: number; testFraction?: number }, limit: number): Dataset {
  const match = /^csv:(.*?)(?:#label=(.*))?$/s.exec(spec)!;
  if (match[1] === '') throw new SdtError(`dataset "${spec}" names no file; write csv:PATH.`);
  const path = resolve(match[1]);
  const label = match[2]?.trim();
  const table = readCsv(path, { labelColumn: label !== undefined && /^[+-]?\d+$/.test(label) ? Number(label) : label });
  const features = table.featureNames.length;
  const whole: Split = { x: table.x, y: table.y, n: table.n };
  const split = { seed: options.seed ?? 0 };
  const parts = stratifiedSplit(whole, features, table.classNames.length, options.testFraction ?? 0.2, split.seed);
  const train = firstRows(parts.train, features, limit);
  const test = firstRows(parts.test, features, limit);
  const preprocessing = minMaxScaling(train, features);
  for (const split of [train, test]) scaleInPlace(split, features, preprocessing.scale, preprocessing.offset);
  return {
    name: spec,
    inputShape: [features],
    classNames: table.classNames,
    featureNames: table.featureNames,
    train,
    test,
    files: [{ role: 'table', path, sha256: sha256File(path) }],
    preprocessing,
    split,
  };
}

/** Per-feature scale and offset mapping the training range onto [0, 1]; a constant feature maps to 0. */
function minMaxScaling(train: Split, features: number): { scale: number[]; offset: number[] } {
  const scale: number[] = [];
  const offset: number[] = [];
  for (let f = 0; f < features; f++) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < train.n; i++) {
      const v = train.x[i * features + f];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const range = max - min;
    scale.push(range > 0 ? 1 / range : 1);
    offset.push(range > 0 ? -min / range : -min);
  }
  return { scale, offset };
}

function scaleInPlace(split: Split, features: number, scale: number[], offset: number[]): void {
  for (let i = 0; i < split.x.length; i++) split.x[i] = split.x[i] * scale[i % features] + offset[i % features];
}

function firstRows(split: Split, features: number, limit: number): Split {
  if (limit >= split.n) return split;
  return { x: split.x.slice(0, limit * features), y: split.y.slice(0, limit), n: limit };
}
