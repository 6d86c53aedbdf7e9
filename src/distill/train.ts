/**
 * The one training loop of the suite: minibatches of any target distribution (one-hot
 * labels or a teacher's soft targets), a learning-rate schedule, validation after every
 * epoch, and the best weights kept (early stopping). The teacher and the trees both use it.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../data/dataset.js';
import { gatherRows } from '../data/rows.js';
import { SdtError } from '../errors.js';
import type { Learner } from '../models/learner.js';
import { permutation, randomSource } from '../random.js';
import { checkpointExists } from '../runs/checkpoint.js';
import type { EpochRecord } from '../runs/metrics.js';
import { startOrResume, type CheckpointSettings } from './loopCheckpoint.js';
import { createOptimizer, learningRateAt, type OptimizerName, type Schedule } from './optimizer.js';

export interface TrainData {
  x: Float32Array; // [n, features]
  targets: Float32Array; // [n, K], rows sum to 1
  n: number;
  inputShape: number[];
  classes: number;
  /** The examples of epoch e when they change from epoch to epoch (a transfer set's copies); else x and targets. */
  forEpoch?(epoch: number): { x: Float32Array; targets: Float32Array };
}

/** The loop's settings as the commands and run manifests name them (both models share them). */
export interface LoopOptions {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  momentum: number;
  lr: number;
  schedule: Schedule;
  patience: number;
  /** Share of the training set held out for validation. */
  validation: number;
  seed: number;
}

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  momentum: number;
  learningRate: number;
  schedule: Schedule;
  /**
   * A second run of the schedule from `scale` × the learning rate, after the share `at` of
   * training (the first run then ends there): the hardening phase learns with its own rates.
   */
  restart?: { at: number; scale: number };
  /** Share of training warming up (warmup-cosine); 0 if absent. */
  warmup?: number;
  /** Stop after this many epochs without a better validation accuracy; 0 never stops early. */
  patience: number;
  seed: number;
  /**
   * Where to keep a checkpoint (written after every epoch and on SIGINT/SIGTERM, removed
   * when training ends), and the configuration it belongs to. With `resume`, training
   * continues from the checkpoint found there.
   */
  checkpoint?: CheckpointSettings;
}

export interface TrainCallbacks {
  onBatch?(info: { epoch: number; batch: number; batches: number; loss: number }): void;
  onEpoch?(record: EpochRecord): void;
}

export interface TrainResult {
  history: EpochRecord[];
  bestEpoch: number;
  seconds: number;
}

/** The learning rate at `progress` ∈ [0, 1] of training, the schedule restarted as `settings.restart` says. */
export function scheduledRate(settings: Pick<TrainSettings, 'learningRate' | 'schedule' | 'restart' | 'warmup'>, progress: number): number {
  const { learningRate, schedule, restart, warmup } = settings;
  if (!restart) return learningRateAt(learningRate, schedule, progress, warmup);
  return progress < restart.at
    ? learningRateAt(learningRate, schedule, progress / restart.at, warmup)
    : learningRateAt(learningRate * restart.scale, schedule, (progress - restart.at) / (1 - restart.at), warmup);
}

function batchTensors(data: TrainData, examples: Pick<TrainData, 'x' | 'targets'>, rows: Int32Array): { x: tf.Tensor; targets: tf.Tensor2D } {
  const features = data.inputShape.reduce((a, b) => a * b, 1);
  const x = gatherRows(examples.x, rows, features);
  const t = gatherRows(examples.targets, rows, data.classes);
  return { x: tf.tensor(x, [rows.length, ...data.inputShape]), targets: tf.tensor2d(t, [rows.length, data.classes]) };
}

/**
 * A batch's mean loss and its gradient for each trainable variable: the model's own, or
 * TensorFlow.js's tape. A model's own step gets the batch in arrays `kept` from batch to
 * batch (kernels/tensorArrays.ts says why).
 */
export function batchGradients(
  learner: Learner,
  data: TrainData,
  examples: Pick<TrainData, 'x' | 'targets'>,
  rows: Int32Array,
  kept = { x: new Float32Array(0), targets: new Float32Array(0) },
): { loss: number; gradients: Float32Array[] } {
  if ('gradients' in learner) {
    const [n, features] = [rows.length, data.inputShape.reduce((a, b) => a * b, 1)];
    if (kept.x.length !== n * features) Object.assign(kept, { x: new Float32Array(n * features), targets: new Float32Array(n * data.classes) });
    return learner.gradients(gatherRows(examples.x, rows, features, kept.x), gatherRows(examples.targets, rows, data.classes, kept.targets), n);
  }
  const { x, targets } = batchTensors(data, examples, rows);
  const { value, grads } = tf.variableGrads(() => learner.loss(x, targets), learner.trainable);
  const result = { loss: value.dataSync()[0], gradients: learner.trainable.map((v) => grads[v.name].dataSync() as Float32Array) };
  tf.dispose([x, targets, value, ...Object.values(grads)]);
  return result;
}

let signalOutsideTraining: NodeJS.Signals | undefined;

/**
 * For a process whose whole life is one training run (a parallel tree stage's child): a
 * SIGINT/SIGTERM outside the loop no longer ends it at once. Before the loop, the loop stops
 * after its first batch with a checkpoint; after it, the finished tree is written, so a stage
 * that was done when Ctrl-C came counts as done instead of dying without a word.
 */
export function holdSignalsOutsideTraining(): void {
  const note = (s: NodeJS.Signals) => (signalOutsideTraining ??= s);
  process.on('SIGINT', note);
  process.on('SIGTERM', note);
}

/** Notes SIGINT/SIGTERM while training, so the loop can stop after the current batch. */
function watchSignals(): { requested: () => NodeJS.Signals | undefined; stop: () => void } {
  let signal = signalOutsideTraining;
  const handler = (s: NodeJS.Signals) => (signal = s);
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    requested: () => signal,
    stop: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

export async function train(
  learner: Learner,
  data: TrainData,
  validation: Split | undefined,
  settings: TrainSettings,
  callbacks: TrainCallbacks = {},
): Promise<TrainResult> {
  const started = performance.now();
  const optimizer = createOptimizer(learner.trainable, { name: settings.optimizer, momentum: settings.momentum });
  const batches = Math.ceil(data.n / settings.batchSize);
  const checkpoint = settings.checkpoint;
  const start = startOrResume(learner, optimizer, settings.seed, checkpoint);
  let { state, best } = start;
  const save = () => start.save(state, best);
  const signals = watchSignals();
  const kept = { x: new Float32Array(0), targets: new Float32Array(0) };
  try {
    while (state.epoch <= settings.epochs) {
      const { epoch } = state;
      const epochStart = performance.now();
      const random = randomSource(state.randomState);
      const order = permutation(data.n, random);
      const examples = data.forEpoch?.(epoch) ?? data;
      const progressAt = (batch: number) => ((epoch - 1) * batches + batch) / (settings.epochs * batches);
      for (; state.batch < batches; state.batch++) {
        const batch = state.batch;
        const learningRate = scheduledRate(settings, progressAt(batch));
        learner.beforeBatch?.(progressAt(batch));
        const rows = order.subarray(batch * settings.batchSize, Math.min(data.n, (batch + 1) * settings.batchSize));
        const { loss, gradients } = batchGradients(learner, data, examples, rows, kept);
        if (Number.isFinite(loss)) optimizer.step(gradients, learningRate);
        if (!Number.isFinite(loss)) {
          throw new SdtError(
            `training diverged: the loss became ${loss} in epoch ${epoch}, batch ${batch + 1}` +
              (checkpoint && checkpointExists(checkpoint.folder) ? `; the checkpoint of the last finished epoch is kept in ${checkpoint.folder}.` : '.'),
            'Lower the learning rate (--lr) or the inverse temperature (--beta).',
          );
        }
        state.lossSum += loss * rows.length;
        callbacks.onBatch?.({ epoch, batch: batch + 1, batches, loss });
        // Let signal handlers and progress timers run between batches.
        await new Promise((resolve) => setImmediate(resolve));
        const signal = signals.requested();
        if (signal) {
          state.batch = batch + 1;
          save();
          const where = checkpoint ? `; a checkpoint is saved: continue with ${checkpoint.resumeHint}` : '';
          throw new SdtError(`interrupted by ${signal} in epoch ${epoch}, batch ${batch + 1}${where}.`, undefined, 128 + os.constants.signals[signal]);
        }
      }
      const validationAccuracy = validation && validation.n > 0 ? learner.accuracy(validation) : null;
      const record: EpochRecord = {
        epoch,
        loss: state.lossSum / data.n,
        validationAccuracy,
        learningRate: scheduledRate(settings, progressAt(batches - 1)), // the epoch's last
        seconds: (performance.now() - epochStart) / 1000,
      };
      const report = learner.epochReport?.(epoch);
      if (report) record.report = report;
      state.history = [...state.history, record];
      callbacks.onEpoch?.(record);
      state.randomState = random.state();
      const score = validationAccuracy ?? epoch; // without validation, the last epoch is best
      const stop = score < best.score && settings.patience > 0 && epoch - best.epoch >= settings.patience;
      // The later of tied epochs wins: a small validation set ties often, and the earliest
      // tie was an undertrained tree (issue 16: epoch 2 of 200 on breast cancer).
      if (score >= best.score) best = { score, epoch, snapshot: learner.snapshot() };
      if (stop) break;
      state = { ...state, epoch: epoch + 1, batch: 0, lossSum: 0 };
      if (state.epoch <= settings.epochs) save();
    }
  } finally {
    signals.stop();
  }
  if (best.snapshot !== null) learner.restore(best.snapshot);
  // The checkpoint stays until the caller has written the finished run (runs/runFolder.ts's finishRun).
  return { history: state.history, bestEpoch: best.epoch, seconds: (performance.now() - started) / 1000 };
}
