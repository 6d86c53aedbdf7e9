/** What the training loop (src/distill/train.ts) needs of a model: the teacher and the trees both provide it. */
import type * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../data/dataset.js';

interface LearnerBase {
  trainable: tf.Variable[];
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

/** A model differentiated by TensorFlow.js's gradient tape (the teacher). */
interface TapeLearner extends LearnerBase {
  /** Mean training loss of a batch, inside the gradient tape. */
  loss(x: tf.Tensor, targets: tf.Tensor2D): tf.Scalar;
}

/** A model that differentiates itself (the soft tree, sdt.ts). */
interface SelfDifferentiatingLearner extends LearnerBase {
  /** Mean training loss of a batch x [n, features] with targets [n, K], and its gradient for each of `trainable`. */
  gradients(x: Float32Array, targets: Float32Array, n: number): { loss: number; gradients: Float32Array[] };
}

export type Learner = TapeLearner | SelfDifferentiatingLearner;
