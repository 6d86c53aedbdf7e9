/** What every command that loads data and trains needs first: a backend and a dataset. */
import type { Command } from 'commander';
import { type BackendChoice, describeBackend, initBackend } from '../backend.js';
import type { DataFile, Dataset } from '../data/dataset.js';
import { loadDataset } from '../data/datasets.js';
import { alreadyDone, priorRun } from '../runs/finishedRun.js';

/** The options of every training command (trainingRunOptions and common), as commander parses them. */
export interface RunArgs {
  dataset: string;
  dataDir?: string;
  limit?: number;
  seed: number;
  backend?: string;
  out?: string;
  resume?: string;
  json?: boolean;
  quiet?: boolean;
}

/** What every run's configuration records of its data: the dataset, and --limit (null: all of it). */
export const dataConfig = (dataset: Dataset, args: { limit?: number }) => ({ dataset: dataset.name, limit: args.limit ?? null });

/** --quick: each of its settings replaces an option's value unless the option was given on the command line. */
export function applyQuick(command: Command, parsed: Record<string, unknown>, quick: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(quick)) {
    if (command.getOptionValueSource(name) !== 'cli') parsed[name] = value;
  }
}

/**
 * Whether the user chose an option (on the command line, or through --quick): the epochs
 * and batch size fitted to the data (fitToData.ts) apply only to options not chosen.
 */
export function chosenOptions(command: Command, parsed: Record<string, unknown>, quick: Record<string, unknown> = {}): (name: string) => boolean {
  return (name) => (Boolean(parsed.quick) && name in quick) || command.getOptionValueSource(name) === 'cli';
}

export interface DataOptions {
  dataset: string;
  dataDir?: string;
  limit?: number;
  seed: number;
  backend?: string;
  quiet?: boolean;
}

export function say(options: { quiet?: boolean }, line: string): void {
  if (!options.quiet) process.stderr.write(line + '\n');
}

/** A note or warning the user must see even with --quiet (a lock taken over, a run moved aside, other data). */
export function note(line: string): void {
  process.stderr.write(line + '\n');
}

export async function startBackend(options: { backend?: string; quiet?: boolean }): Promise<BackendChoice> {
  const backend = await initBackend(options.backend);
  say(options, `backend: ${describeBackend(backend)}`);
  return backend;
}

export function openDataset(options: DataOptions): Dataset {
  const started = performance.now();
  const dataset = loadDataset(options.dataset, { dataDir: options.dataDir, limit: options.limit, seed: options.seed });
  say(options, `dataset: ${dataset.name}, ${dataset.train.n} training and ${dataset.test.n} test examples (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  for (const note of dataset.notes ?? []) say(options, `note: ${note}`);
  return dataset;
}

/**
 * True, having said so, when `out` already holds this finished run; a finished run of
 * anything else is refused, or moved aside with --force (src/runs/finishedRun.ts).
 */
export function alreadyFinished(out: string, command: string, config: Record<string, unknown>, data: DataFile[], parsed: { force?: unknown; json?: unknown }): boolean {
  if (priorRun(out, command, config, data, { force: Boolean(parsed.force), say: note }) !== 'done') return false;
  process.stdout.write(alreadyDone(out, command, Boolean(parsed.json)));
  return true;
}

/** A model used on data other than the data it records: allowed (it may be deliberate), but said. */
export function warnOtherData(model: string, trainedOn: string | undefined, using: string): void {
  if (trainedOn !== undefined && trainedOn !== using) note(`warning: ${model} was trained on ${trainedOn}, not on ${using}, the data used here`);
}

/** A default run folder: runs/<command>-<dataset>-<UTC timestamp>. */
export function defaultRunFolder(command: string, dataset: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `runs/${command}-${dataset.replace(/[^a-z0-9-]+/gi, '_')}-${stamp}`;
}

/**
 * The dataset a model file's `training` record names, and the seed its test split was made
 * with: the recorded split's (CSV data), else the training seed (files written before the
 * split was recorded; runs split with their own seed), else 1.
 */
export function trainedOn(training: unknown): { dataset: string | undefined; seed: number } {
  const t = training as { dataset?: unknown; split?: { seed?: unknown }; options?: { seed?: unknown } } | undefined;
  const seed = [t?.split?.seed, t?.options?.seed].find((s): s is number => typeof s === 'number') ?? 1;
  return { dataset: typeof t?.dataset === 'string' ? t.dataset : undefined, seed };
}
