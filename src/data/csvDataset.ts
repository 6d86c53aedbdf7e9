/**
 * A CSV table as a Dataset: a seeded stratified train/test draw, features standardised
 * with the training split's statistics; notes on constant features and untested classes.
 */
import { resolve } from 'node:path';
import { SdtError } from '../errors.js';
import { sha256File } from './fileHashes.js';
import { readCsv } from './csv.js';
import { preprocessRows, type Dataset, type Split } from './dataset.js';
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
  const preprocessing = standardScaling(train, features);
  const notes = tableNotes(path, table, features, train, test);
  for (const split of [train, test]) split.x.set(preprocessRows(split.x, features, preprocessing));
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
    notes,
  };
}

/** Constant features and classes too small to reach the test split. */
function tableNotes(path: string, table: { classNames: string[]; featureNames: string[] }, features: number, train: Split, test: Split): string[] {
  const notes: string[] = [];
  const constant = table.featureNames.filter((_, f) => {
    for (let i = 1; i < train.n; i++) if (train.x[i * features + f] !== train.x[f]) return false;
    return true;
  });
  if (constant.length > 0) {
    notes.push(`${path}: ${constant.length === 1 ? 'feature' : 'features'} ${constant.map((c) => `"${c}"`).join(', ')} ${constant.length === 1 ? 'is' : 'are'} constant in the training split and carry no information (kept, scaled to 0).`);
  }
  const inTest = new Set(test.y);
  const missing = table.classNames.filter((_, k) => !inTest.has(k));
  if (missing.length > 0) {
    notes.push(`${path}: ${missing.length === 1 ? 'class' : 'classes'} ${missing.map((c) => `"${c}"`).join(', ')} ${missing.length === 1 ? 'has' : 'have'} too few examples for the stratified test split to hold one (it takes round(20 % of a class)), so ${missing.length === 1 ? 'it is' : 'they are'} never tested.`);
  }
  return notes;
}

/**
 * Per-feature scale and offset to zero mean and unit variance over the training split; a
 * constant feature maps to 0. Measured against min–max scaling onto [0, 1] (depth-4 trees at
 * default settings, 3 seeds each of breast cancer, wine, digits; README): standardised inputs
 * give larger inner-node logits for the same weights, so routing is sharper and the max path
 * agrees with the mixture.
 */
function standardScaling(train: Split, features: number): { scale: number[]; offset: number[] } {
  const scale: number[] = [];
  const offset: number[] = [];
  for (let f = 0; f < features; f++) {
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < train.n; i++) sum += train.x[i * features + f];
    const mean = sum / train.n;
    for (let i = 0; i < train.n; i++) squares += (train.x[i * features + f] - mean) ** 2;
    const std = Math.sqrt(squares / train.n);
    scale.push(std > 0 ? 1 / std : 1);
    offset.push(std > 0 ? -mean / std : -mean);
  }
  return { scale, offset };
}


function firstRows(split: Split, features: number, limit: number): Split {
  if (limit >= split.n) return split;
  return { x: split.x.slice(0, limit * features), y: split.y.slice(0, limit), n: limit };
}
