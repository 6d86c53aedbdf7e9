/**
 * `sdt distill --quick`'s closing line: what the quick run trained, and what the committed
 * full default run gives, read from its comparison.json and manifest (so the line follows
 * the results when they are made again, and says so when they are not there).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComparisonRow } from '../distill/pipeline.js';
import { SdtError } from '../errors.js';
import { readManifest } from '../runs/manifest.js';

/** The full default run at today's defaults, committed with the package and timed (README: Results). */
export const FULL_RUN = 'results/mnist/distill-timed';

// dist/src/commands/ → the package root.
const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface QuickRun {
  dataset: string;
  trainImages: number;
  testImages: number;
  /** Null when a given teacher was reused. */
  teacherEpochs: number | null;
  depth: number;
  treeEpochs: number;
}

const percent = (v: number) => `${(v * 100).toFixed(2)} %`;

/** What the full run gives, in one sentence; empty when the committed run is not there. */
export function fullRunSentence(root = packageRoot): string {
  const folder = join(root, FULL_RUN);
  const comparison = join(folder, 'comparison.json');
  if (!existsSync(comparison) || !existsSync(join(folder, 'manifest.json'))) return '';
  let rows: ComparisonRow[];
  try {
    rows = (JSON.parse(readFileSync(comparison, 'utf8')) as { rows: ComparisonRow[] }).rows;
  } catch {
    throw new SdtError(`${comparison} cannot be read as JSON (truncated or corrupt).`);
  }
  const config = readManifest(folder).config as { limit: number | null; teacher: { epochs: number }; tree: { depth: number; epochs: number } };
  const results = rows.map((r) => `${r.model} ${percent(r.maxPathAccuracy)}`).join('; ');
  const images = config.limit === null ? 'all training images' : `the first ${config.limit.toLocaleString('en')} images`;
  return ` The full default run (sdt distill: ${images}, teacher ${config.teacher.epochs} epochs, trees at depth ${config.tree.depth} for ${config.tree.epochs} epochs; ${FULL_RUN}) gives (test accuracy, max path): ${results}.`;
}

export function quickSummary(run: QuickRun, root = packageRoot): string {
  const teacher = run.teacherEpochs === null ? 'the given teacher' : `teacher ${run.teacherEpochs} epoch${run.teacherEpochs === 1 ? '' : 's'}`;
  const ran = `--quick trained on the first ${run.trainImages.toLocaleString('en')} ${run.dataset} training images and tested on ${run.testImages.toLocaleString('en')}: ${teacher}, trees at depth ${run.depth} for ${run.treeEpochs} epochs.`;
  return ran + (run.dataset === 'mnist' ? fullRunSentence(root) : '');
}
