/**
 * A run folder is written in one order: the model file(s), metrics.json, then
 * manifest.json last. A folder with a manifest is a finished run (sdt distill and study
 * reuse it), so a run stopped while writing is never taken for a finished one; only then
 * is its checkpoint no longer needed.
 */
import { join } from 'node:path';
import { removeCheckpoint } from './checkpoint.js';
import { writeJsonAtomic } from './files.js';
import type { Manifest } from './manifest.js';
import { METRICS_NAME, type MetricsFile } from './metrics.js';

/** Writes metrics.json and then the manifest of a run whose model files are written, and removes its checkpoint. */
export function finishRun(folder: string, metrics: MetricsFile, manifest: Manifest): void {
  writeJsonAtomic(join(folder, METRICS_NAME), metrics);
  writeJsonAtomic(join(folder, 'manifest.json'), manifest);
  removeCheckpoint(folder);
}
