/**
 * The training loop's checkpoint: where a run starts (fresh, or restored from the checkpoint
 * of an interrupted one with the same configuration) and how its progress is saved.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SdtError } from '../errors.js';
import type { Learner } from '../models/learner.js';
import { randomSource } from '../random.js';
import { checkpointExists, readCheckpoint, writeCheckpoint } from '../runs/checkpoint.js';
import { withoutAddedDefaults } from '../runs/addedSettings.js';
import { canonicalJson } from '../runs/checksum.js';
import type { EpochRecord } from '../runs/metrics.js';
import type { Optimizer } from './optimizer.js';

/** The loop's position: the epoch in progress (1-based), its finished batches and their loss, the generator before its shuffle. */
export interface LoopState {
  epoch: number;
  batch: number;
  lossSum: number;
  randomState: number;
  history: EpochRecord[];
}

/** The early-stopping record: the best score so far, its epoch and the model's arrays then. */
export interface BestEpoch {
  score: number;
  epoch: number;
  snapshot: Float32Array[] | null;
}

export interface CheckpointSettings {
  folder: string;
  /** The configuration the run belongs to; a resume must match it. */
  config: unknown;
  resume: boolean;
  resumeHint: string;
}

/**
 * The starting state, restoring `learner` and `optimizer` when a checkpoint is resumed, and
 * `save`, which writes the checkpoint (nothing without checkpoint settings).
 */
export function startOrResume(
  learner: Learner,
  optimizer: Optimizer,
  seed: number,
  checkpoint: CheckpointSettings | undefined,
): { state: LoopState; best: BestEpoch; save(state: LoopState, best: BestEpoch): void } {
  let state: LoopState = { epoch: 1, batch: 0, lossSum: 0, randomState: randomSource(seed).state(), history: [] };
  // The early-stopping score: validation accuracy, or the epoch number without validation.
  let best: BestEpoch = { score: -1, epoch: 0, snapshot: null };
  // A folder with a manifest is a finished run; training in it makes it unfinished again.
  if (checkpoint) rmSync(join(checkpoint.folder, 'manifest.json'), { force: true });
  if (checkpoint && checkpointExists(checkpoint.folder)) {
    if (!checkpoint.resume) {
      throw new SdtError(`${checkpoint.folder} holds an unfinished run.`, `Continue it with ${checkpoint.resumeHint}, or choose another --out.`);
    }
    const saved = readCheckpoint(checkpoint.folder);
    if (canonicalJson(withoutAddedDefaults(saved.config)) !== canonicalJson(withoutAddedDefaults(checkpoint.config))) {
      throw new SdtError(`the checkpoint in ${checkpoint.folder} was made with a different configuration; resume it with the options it was started with.`);
    }
    learner.restore(saved.model);
    optimizer.load({ step: saved.optimizerStep, slots: saved.optimizer });
    state = { epoch: saved.epoch, batch: saved.batch, lossSum: saved.lossSum, randomState: saved.randomState, history: saved.history };
    best = { score: saved.best.score, epoch: saved.best.epoch, snapshot: saved.bestModel };
  }
  const save = (now: LoopState, bestNow: BestEpoch) => {
    if (!checkpoint) return;
    const { step, slots } = optimizer.state();
    writeCheckpoint(checkpoint.folder, {
      config: checkpoint.config,
      ...now,
      best: { score: bestNow.score, epoch: bestNow.epoch },
      optimizerStep: step,
      model: learner.snapshot(),
      bestModel: bestNow.snapshot,
      optimizer: slots,
    });
  };
  return { state, best, save };
}
