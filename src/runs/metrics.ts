/** A run folder's metrics.json: what it records, and its one reader. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SdtError } from '../errors.js';

export const METRICS_NAME = 'metrics.json';

/** One epoch of training, as the loop records it (metrics.json's `history`, and the checkpoint's). */
export interface EpochRecord {
  epoch: number;
  loss: number;
  validationAccuracy: number | null;
  learningRate: number;
  seconds: number;
  /** What the model adds to the record (the test metrics before hardening, for a tree). */
  report?: Record<string, unknown>;
}

/** The test metrics every command records; soft trees record max-path and mixture accuracy instead of `accuracy`. */
export interface TestMetrics {
  accuracy?: number;
  maxPathAccuracy?: number;
  mixtureAccuracy?: number;
  confusion: number[][];
  perClassAccuracy: number[];
}

/** metrics.json of any run (teacher, soft tree or CART). */
export interface MetricsFile {
  test: TestMetrics;
  parameters: number;
  trainingSeconds: number;
  bestEpoch?: number;
  history?: EpochRecord[];
  /** CART only. */
  leaves?: number;
  depth?: number;
}

/** The headline test accuracy: max-path for soft trees, plain accuracy for the teacher and CART. */
export const headlineAccuracy = (test: Pick<TestMetrics, 'accuracy' | 'maxPathAccuracy'>): number | undefined => test.maxPathAccuracy ?? test.accuracy;

/** metrics.json of the run in `folder`; `suggestion` follows the sentence when it cannot be read. */
export function readMetrics(folder: string, suggestion?: string): MetricsFile {
  const path = join(folder, METRICS_NAME);
  let json: MetricsFile;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new SdtError(`${path} cannot be read as JSON (missing, truncated or corrupt).`, suggestion);
  }
  return { ...json, test: json?.test ?? {} };
}
