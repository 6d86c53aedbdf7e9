/**
 * A transfer set read from a file of unlabelled examples (`--transfer PATH`, src/data/unlabelled.ts).
 * Only a teacher can label them, so only a distilled tree learns from them: the training split
 * with its targets, plus these examples with the teacher's softmax(z/T) alone (no label to mix
 * with α). The run's configuration records the file's path and SHA-256; a file that changed
 * since a run began is refused, so a resumed or reused run is the run it was.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { readUnlabelled, unlabelledSha256, type UnlabelledExamples } from '../data/unlabelled.js';
import { SdtError } from '../errors.js';
import { readCheckpointHeader } from '../runs/checkpoint.js';
import { readManifest } from '../runs/manifest.js';
import { TRANSFER_KINDS, type TransferKind, type TransferOptions } from './transfer.js';

export const isTransferFile = (transfer: string): boolean => !TRANSFER_KINDS.includes(transfer as TransferKind);

/** Why a tree on labels cannot use a transfer file. */
export const unlabelledForLabels = (path: string) =>
  new SdtError(`the examples in ${path} have no labels, so a tree trained on labels cannot learn from them.`, 'Use sdt distill --transfer PATH: its teacher labels them.');

const short = (sha256: string) => `${sha256.slice(0, 12)}…`;

/**
 * The examples of `options.transfer`, checked against the SHA-256 the run recorded (null: the
 * run begins now). Read once per process and content: the command checks the file before any
 * stage writes, and the distilled tree trains on the same examples.
 */
const read = new Map<string, Promise<UnlabelledExamples>>();
export async function transferExamples(options: Pick<TransferOptions, 'transfer' | 'transferSha256'>, dataset: Dataset): Promise<UnlabelledExamples> {
  const sha256 = unlabelledSha256(options.transfer);
  const key = JSON.stringify([options.transfer, sha256, dataset.name, dataset.inputShape, dataset.preprocessing]);
  if (!read.has(key)) read.set(key, readUnlabelled(options.transfer, dataset, sha256));
  const examples = await read.get(key)!.catch((error) => {
    read.delete(key);
    throw error;
  });
  if (options.transferSha256 !== null && examples.sha256 !== options.transferSha256) {
    throw new SdtError(`transfer file ${options.transfer} has changed since the run began (sha256 ${short(options.transferSha256)} then, ${short(examples.sha256)} now); restore it, or start a new run.`);
  }
  return examples;
}

/**
 * `options` with the transfer file's SHA-256, the file read and checked (refused if the run in
 * `job.folder` began with other bytes of it), then said; unchanged without a file.
 */
export async function withTransferFile<T extends TransferOptions>(options: T, dataset: Dataset, job: { folder: string; say(line: string): void }): Promise<T> {
  if (!isTransferFile(options.transfer)) return options;
  const { sha256, n } = await transferExamples({ ...options, transferSha256: null }, dataset);
  const checked = { ...options, transferSha256: sha256 };
  refuseChangedTransfer(job.folder, checked);
  job.say(`transfer file ${options.transfer}: ${n} unlabelled examples (sha256 ${short(sha256)})`);
  return checked;
}

/** The tree options a run folder recorded: its finished manifest's, else its checkpoint's; a distill job's are under `tree`. */
function recordedTransfer(folder: string): Partial<TransferOptions> | undefined {
  const config = existsSync(join(folder, 'manifest.json'))
    ? readManifest(folder).config
    : existsSync(join(folder, 'checkpoint.bin')) ? (readCheckpointHeader(folder).config as Record<string, unknown>) : undefined;
  return (config?.tree as Partial<TransferOptions> | undefined) ?? config;
}

/**
 * Refuses, in one sentence, to resume or reuse the run in `folder` when it was made from the
 * same transfer file whose bytes have changed since (a different file or set is a difference
 * of configuration, which the run folder's own checks name).
 */
export function refuseChangedTransfer(folder: string, options: Pick<TransferOptions, 'transfer' | 'transferSha256'>): void {
  if (!isTransferFile(options.transfer)) return;
  const recorded = recordedTransfer(folder);
  if (recorded?.transfer === options.transfer && recorded.transferSha256 && recorded.transferSha256 !== options.transferSha256) {
    throw new SdtError(
      `transfer file ${options.transfer} has changed since the run in ${folder} began (sha256 ${short(recorded.transferSha256)} then, ${short(options.transferSha256 ?? '')} now); restore it, or give another --out.`,
    );
  }
}
