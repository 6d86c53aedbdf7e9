/**
 * Static shards of a study's cells: shard I of N takes cells I, I+N, I+2N, … of the grid's
 * fixed order (0-based, as Kubernetes' JOB_COMPLETION_INDEX). Without --shard, a Slurm array
 * task is its own shard: index SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN (divided by
 * SLURM_ARRAY_TASK_STEP), so `--array=0-3` and `--array=1-4` both give shards 0…3 of
 * SLURM_ARRAY_TASK_COUNT. A list such as `--array=3,7` (resubmitting two failed tasks) is not
 * evenly spaced, and its tasks would get other shards than the first time: refused.
 */
import { SdtError } from '../errors.js';

export interface Shard {
  index: number;
  count: number;
  /** Where it came from, for the log: `--shard` or `Slurm array`. */
  source: string;
}

export function parseShard(value: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!(count >= 1 && index >= 0 && index < count)) {
    throw new SdtError(`--shard takes I/N with N ≥ 1 and 0 ≤ I < N (e.g. 0/4 for the first of four shards), not "${value}".`);
  }
  return { index, count, source: '--shard' };
}

export function slurmShard(env: NodeJS.ProcessEnv = process.env): Shard | undefined {
  if (env.SLURM_ARRAY_TASK_ID === undefined || env.SLURM_ARRAY_TASK_COUNT === undefined) return undefined;
  const [id, min, step, count] = ['SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_STEP', 'SLURM_ARRAY_TASK_COUNT'].map((k) => Number(env[k] ?? (k.endsWith('MIN') ? 0 : 1)));
  const index = (id - min) / step;
  const max = Number(env.SLURM_ARRAY_TASK_MAX ?? min + (count - 1) * step);
  if (max !== min + (count - 1) * step) {
    throw new SdtError(
      `the Slurm array's ${count} tasks (${min}–${max}) are not evenly spaced, so task ${id} has no fixed shard; resubmit the whole array (finished cells are skipped) or give --shard I/N.`,
    );
  }
  if (!(Number.isInteger(index) && count >= 1 && index >= 0 && index < count)) {
    throw new SdtError(`the Slurm array task ${env.SLURM_ARRAY_TASK_ID} (min ${env.SLURM_ARRAY_TASK_MIN ?? 'unset'}, step ${env.SLURM_ARRAY_TASK_STEP ?? 'unset'}) is not one of ${count} evenly spaced tasks; give --shard I/N.`);
  }
  return { index, count, source: `Slurm array task ${env.SLURM_ARRAY_TASK_ID}` };
}

export const inShard = (shard: Shard | undefined) => (_: unknown, i: number) => !shard || i % shard.count === shard.index;
