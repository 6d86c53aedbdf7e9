/**
 * A training checkpoint: everything the loop needs to continue exactly where it stopped —
 * weights, optimiser moments, the best weights so far, the generator state, the epoch and
 * batch, the history. One file, written atomically: a 4-byte header length, the header as
 * JSON, then the arrays as float32, so a checkpoint is complete or absent.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicWrite.js';
import { SdtError } from '../errors.js';
import { ensureFolder } from './files.js';
import type { EpochRecord } from './metrics.js';

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
  best: { score: number; epoch: number };
  optimizerStep: number;
  model: Float32Array[];
  bestModel: Float32Array[] | null;
  optimizer: Float32Array[];
}

const NAME = 'checkpoint.bin';
const ARRAYS = ['model', 'bestModel', 'optimizer'] as const;

export function checkpointExists(folder: string): boolean {
  return existsSync(join(folder, NAME));
}

export function writeCheckpoint(folder: string, state: CheckpointState): void {
  const { model, bestModel, optimizer, ...rest } = state;
  const groups = { model, bestModel: bestModel ?? [], optimizer };
  const lengths = Object.fromEntries(ARRAYS.map((k) => [k, groups[k].map((a) => a.length)]));
  let header = Buffer.from(JSON.stringify({ format: 'sdt-checkpoint/1', ...rest, hasBest: bestModel !== null, lengths }));
  header = Buffer.concat([header, Buffer.alloc((4 - (header.length % 4)) % 4, 0x20)]); // float32 alignment
  const arrays = ARRAYS.flatMap((k) => groups[k]);
  const values = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  arrays.reduce((offset, a) => (values.set(a, offset), offset + a.length), 0);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(header.length);
  ensureFolder(folder);
  writeFileAtomic(join(folder, NAME), Buffer.concat([size, header, Buffer.from(values.buffer)]));
}

/** The checkpoint's header alone (its configuration, epoch, history), without the arrays. */
export function readCheckpointHeader(folder: string): Omit<CheckpointState, (typeof ARRAYS)[number]> & { hasBest: boolean; lengths: Record<string, number[]>; dataOffset: number } {
  const path = join(folder, NAME);
  const fail = (): never => {
    throw new SdtError(`${path} is not a readable sdt checkpoint (truncated or corrupt).`);
  };
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new SdtError(`${folder} holds no checkpoint to resume (no ${NAME}).`);
  }
  if (bytes.length < 4) return fail();
  const headerLength = bytes.readUInt32LE(0);
  let header: ReturnType<typeof readCheckpointHeader>;
  try {
    header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8'));
  } catch {
    return fail();
  }
  const lengths = header?.lengths;
  if ((header as { format?: string }).format !== 'sdt-checkpoint/1' || !lengths || !ARRAYS.every((k) => Array.isArray(lengths[k]))) return fail();
  const total = ARRAYS.flatMap((k) => lengths[k]).reduce((n, l) => n + l, 0);
  if (bytes.length !== 4 + headerLength + 4 * total) return fail();
  return { ...header, dataOffset: 4 + headerLength };
}

export function readCheckpoint(folder: string): CheckpointState {
  const { hasBest, lengths, dataOffset, ...rest } = readCheckpointHeader(folder);
  const bytes = readFileSync(join(folder, NAME));
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset + dataOffset, bytes.byteOffset + bytes.length));
  let offset = 0;
  const [model, bestModel, optimizer] = ARRAYS.map((k) => lengths[k].map((n) => values.slice(offset, (offset += n))));
  return { ...rest, model, bestModel: hasBest ? bestModel : null, optimizer };
}

export function removeCheckpoint(folder: string): void {
  rmSync(join(folder, NAME), { force: true });
}
