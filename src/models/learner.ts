/** What the training loop (src/distill/train.ts) needs of a model: the teacher and the trees both provide it. */
import type * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../data/dataset.js';

export interface Learner {
  trainable: tf.Variable[];
  /** Mean training loss of a batch, inside the gradient tape. */
  loss(x: tf.Tensor, targets: tf.Tensor2D): tf.Scalar;
  /** Accuracy on a split (the early-stopping criterion). */
  accuracy(split: Split): number;
  /** Copies of every array that defines the model's predictions and state, and their restoration. */
  snapshot(): Float32Array[];
  restore(arrays: Float32Array[]): void;
  /** Called before every batch with the share of training done (for annealed settings). */
  beforeBatch?(progress: number): void;
  /** Extra measurements to keep in an epoch's record (they survive a resume with the history). */
  epochReport?(epoch: number): Record<string, unknown> | undefined;
}
