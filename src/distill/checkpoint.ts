/**
 * A training checkpoint: everything the loop needs to continue exactly where it stopped —
 * weights, optimiser moments, the best weights so far, the generator state, the epoch and
 * batch, the history. checkpoint.bin holds the arrays, checkpoint.json the rest and the
 * bin's sha256; the json is written last, so a checkpoint is complete or absent.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SdtError } from '../errors.js';
import { ensureFolder, writeFileAtomic, writeJsonAtomic } from '../runs/files.js';
import type { EpochRecord } from './train.js';

export interface CheckpointState {
  /** The configuration the run was started with; a resume must match it. */
  config: unknown;
  /** The epoch in progress (1-based) and how many of its batches are done. */
  epoch: number;
  batch: number;
  lossSum: number;
  /** The generator's state before this epoch's shuffle. */
  randomState: number;
  history: EpochRecord[];
  best: { accuracy: number; epoch: number };
  optimizerStep: number;
  model: Float32Array[];
  bestModel: Float32Array[] | null;
  optimizer: Float32Array[];
}

const JSON_NAME = 'checkpoint.json';
const BIN_NAME = 'checkpoint.bin';

export function checkpointExists(folder: string): boolean {
  return existsSync(join(folder, JSON_NAME));
}

export function writeCheckpoint(folder: string, state: CheckpointState): void {
  ensureFolder(folder);
  const groups = { model: state.model, bestModel: state.bestModel ?? [], optimizer: state.optimizer };
  const lengths = Object.fromEntries(Object.entries(groups).map(([k, arrays]) => [k, arrays.map((a) => a.length)]));
  const total = Object.values(groups).flat().reduce((n, a) => n + a.length, 0);
  const bin = new Float32Array(total);
  let offset = 0;
  for (const a of Object.values(groups).flat()) {
    bin.set(a, offset);
    offset += a.length;
  }
  const bytes = new Uint8Array(bin.buffer);
  writeFileAtomic(join(folder, BIN_NAME), bytes);
  const { model: _m, bestModel: _b, optimizer: _o, ...rest } = state;
  writeJsonAtomic(join(folder, JSON_NAME), {
    format: 'sdt-checkpoint/1',
    ...rest,
    hasBest: state.bestModel !== null,
    lengths,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  });
}

export function readCheckpoint(folder: string): CheckpointState {
  const jsonPath = join(folder, JSON_NAME);
  const binPath = join(folder, BIN_NAME);
  let header: Omit<CheckpointState, 'model' | 'bestModel' | 'optimizer'> & { format: string; hasBest: boolean; lengths: Record<string, number[]>; sha256: string };
  let bytes: Buffer;
  try {
    header = JSON.parse(readFileSync(jsonPath, 'utf8'));
    bytes = readFileSync(binPath);
  } catch {
    throw new SdtError(`the checkpoint in ${folder} cannot be read (${JSON_NAME} or ${BIN_NAME} is missing or corrupt).`);
  }
  if (header.format !== 'sdt-checkpoint/1') throw new SdtError(`${jsonPath} is not an sdt checkpoint.`);
  if (createHash('sha256').update(bytes).digest('hex') !== header.sha256) throw new SdtError(`${binPath} does not match its checksum (truncated or corrupt).`);
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  let offset = 0;
  const take = (lengths: number[]) => lengths.map((n) => values.slice(offset, (offset += n)));
  const model = take(header.lengths.model);
  const bestModel = take(header.lengths.bestModel);
  const optimizer = take(header.lengths.optimizer);
  const { format: _f, hasBest, lengths: _l, sha256: _s, ...rest } = header;
  return { ...rest, model, bestModel: hasBest ? bestModel : null, optimizer };
}

export function removeCheckpoint(folder: string): void {
  rmSync(join(folder, JSON_NAME), { force: true });
  rmSync(join(folder, BIN_NAME), { force: true });
}
