/** One run folder as the report sees it: its manifest, its metrics and its model files. */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { SdtError } from '../errors.js';
import { CART_MODEL_NAME } from '../models/cartFile.js';
import { TREE_MODEL_NAME } from '../models/treeFile.js';
import { readManifest, type Manifest } from '../runs/manifest.js';
import { METRICS_NAME, readMetrics } from '../runs/metrics.js';
import type { ReportedCommand } from './discover.js';

export interface EpochPoint {
  epoch: number;
  loss: number;
  validationAccuracy: number;
}

/** metrics.json, whatever the command, in one shape. */
export interface RunMetrics {
  /** Max-path accuracy for soft trees, plain accuracy for the teacher and CART. */
  accuracy: number;
  mixtureAccuracy: number | null;
  confusion: number[][];
  perClassAccuracy: number[];
  parameters: number | null;
  trainingSeconds: number | null;
  history: EpochPoint[];
}

export interface RunRecord {
  folder: string;
  command: ReportedCommand;
  manifest: Manifest;
  metrics: RunMetrics;
  /** The model's files (teacher: model.json and weights.bin); null when any is missing. */
  modelFiles: string[] | null;
  modelBytes: number | null;
}

const MODEL_FILES: Record<ReportedCommand, string[]> = {
  teacher: ['model.json', 'weights.bin'],
  baseline: [TREE_MODEL_NAME],
  distilled: [TREE_MODEL_NAME],
  cart: [CART_MODEL_NAME],
};

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isMatrix = (v: unknown): v is number[][] => Array.isArray(v) && v.every((row) => Array.isArray(row) && row.every(isNumber));

/** A run's metrics.json checked, the fields a report needs filled in (null or empty where a run has none). */
function reportedMetrics(folder: string): RunMetrics {
  const path = join(folder, METRICS_NAME);
  const json = readMetrics(folder);
  const test = json.test as unknown as Record<string, unknown>;
  const accuracy = isNumber(test.maxPathAccuracy) ? test.maxPathAccuracy : test.accuracy;
  if (!isNumber(accuracy)) throw new SdtError(`${path} has no test accuracy.`);
  if (!isMatrix(test.confusion)) throw new SdtError(`${path} has no confusion matrix.`);
  const history = Array.isArray(json.history) ? (json.history as unknown as Record<string, unknown>[]) : [];
  return {
    accuracy,
    mixtureAccuracy: isNumber(test.mixtureAccuracy) ? test.mixtureAccuracy : null,
    confusion: test.confusion,
    perClassAccuracy: Array.isArray(test.perClassAccuracy) && test.perClassAccuracy.every(isNumber) ? test.perClassAccuracy : [],
    parameters: isNumber(json.parameters) ? json.parameters : null,
    trainingSeconds: isNumber(json.trainingSeconds) ? json.trainingSeconds : null,
    history: history
      .filter((h) => isNumber(h?.epoch))
      .map((h) => ({ epoch: h.epoch as number, loss: isNumber(h.loss) ? h.loss : NaN, validationAccuracy: isNumber(h.validationAccuracy) ? h.validationAccuracy : NaN })),
  };
}

export function readRun(folder: string): RunRecord {
  const manifest = readManifest(folder);
  const command = manifest.command as ReportedCommand;
  const files = MODEL_FILES[command].map((name) => join(folder, name));
  const sizes = files.map((path) => statSync(path, { throwIfNoEntry: false }));
  const complete = sizes.every((s) => s?.isFile());
  return {
    folder,
    command,
    manifest,
    metrics: reportedMetrics(folder),
    modelFiles: complete ? files : null,
    modelBytes: complete ? sizes.reduce((sum, s) => sum + Number(s!.size), 0) : null,
  };
}
