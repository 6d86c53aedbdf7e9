/**
 * The one training loop of the suite: minibatches of any target distribution (one-hot
 * labels or a teacher's soft targets), a learning-rate schedule, validation after every
 * epoch, and the best weights kept (early stopping). The teacher and the trees both use it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../data/dataset.js';
import { SdtError } from '../errors.js';
import { permutation, randomSource } from '../random.js';
import { createOptimizer, learningRateAt, type OptimizerName, type Schedule } from './optimizer.js';

/** What the loop needs of a model. */
export interface Learner {
  trainable: tf.Variable[];
  /** Mean training loss of a batch, inside the gradient tape. */
  loss(x: tf.Tensor, targets: tf.Tensor2D): tf.Scalar;
  /** Accuracy on a split (the early-stopping criterion). */
  accuracy(split: Split): number;
  /** A copy of everything that defines the model's predictions, and its restoration. */
  snapshot(): unknown;
  restore(snapshot: unknown): void;
}

export interface TrainData {
  x: Float32Array; // [n, features]
  targets: Float32Array; // [n, K], rows sum to 1
  n: number;
  inputShape: number[];
  classes: number;
}

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  momentum: number;
  learningRate: number;
  schedule: Schedule;
  /** Stop after this many epochs without a better validation accuracy; 0 never stops early. */
  patience: number;
  seed: number;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  validationAccuracy: number | null;
  learningRate: number;
  seconds: number;
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

export function batchTensors(data: TrainData, rows: Int32Array): { x: tf.Tensor; targets: tf.Tensor2D } {
  const features = data.x.length / data.n;
  const x = new Float32Array(rows.length * features);
  const t = new Float32Array(rows.length * data.classes);
  rows.forEach((r, i) => {
    x.set(data.x.subarray(r * features, (r + 1) * features), i * features);
    t.set(data.targets.subarray(r * data.classes, (r + 1) * data.classes), i * data.classes);
  });
  return { x: tf.tensor(x, [rows.length, ...data.inputShape]), targets: tf.tensor2d(t, [rows.length, data.classes]) };
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
  const random = randomSource(settings.seed);
  const batches = Math.ceil(data.n / settings.batchSize);
  const history: EpochRecord[] = [];
  let best = { accuracy: -1, epoch: 0, snapshot: undefined as unknown };
  try {
    for (let epoch = 1; epoch <= settings.epochs; epoch++) {
      const epochStart = performance.now();
      const order = permutation(data.n, random);
      let lossSum = 0;
      let learningRate = settings.learningRate;
      for (let batch = 0; batch < batches; batch++) {
        learningRate = learningRateAt(settings.learningRate, settings.schedule, ((epoch - 1) * batches + batch) / (settings.epochs * batches));
        const rows = order.subarray(batch * settings.batchSize, Math.min(data.n, (batch + 1) * settings.batchSize));
        const { x, targets } = batchTensors(data, rows);
        const { value, grads } = tf.variableGrads(() => learner.loss(x, targets), learner.trainable);
        const loss = value.dataSync()[0];
        optimizer.step(learner.trainable.map((v) => grads[v.name]), learningRate);
        tf.dispose([x, targets, value, ...Object.values(grads)]);
        if (!Number.isFinite(loss)) {
          throw new SdtError(
            `training diverged: the loss became ${loss} in epoch ${epoch}, batch ${batch + 1}.`,
            'Lower the learning rate (--lr) or the inverse temperature (--beta).',
          );
        }
        lossSum += loss * rows.length;
        callbacks.onBatch?.({ epoch, batch: batch + 1, batches, loss });
        // Let timers (progress output, signals) run between batches.
        if (batch % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
      }
      const validationAccuracy = validation && validation.n > 0 ? learner.accuracy(validation) : null;
      const record: EpochRecord = {
        epoch,
        loss: lossSum / data.n,
        validationAccuracy,
        learningRate,
        seconds: (performance.now() - epochStart) / 1000,
      };
      history.push(record);
      callbacks.onEpoch?.(record);
      const score = validationAccuracy ?? epoch; // without validation, the last epoch is best
      if (score > best.accuracy) best = { accuracy: score, epoch, snapshot: learner.snapshot() };
      else if (settings.patience > 0 && epoch - best.epoch >= settings.patience) break;
    }
  } finally {
    optimizer.dispose();
  }
  if (best.snapshot !== undefined) learner.restore(best.snapshot);
  return { history, bestEpoch: best.epoch, seconds: (performance.now() - started) / 1000 };
}
