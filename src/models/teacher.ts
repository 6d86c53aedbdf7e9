/**
 * The CNN teacher of Frosst & Hinton's MNIST experiment: two convolution + pooling blocks
 * and a dense layer whose outputs are the logits z that soft targets soften (softmax(z/T)).
 * Tables get the MLP teacher (mlpTeacher.ts); both train and predict through this file.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Split } from '../data/dataset.js';
import { argMaxRows } from '../data/rows.js';
import { accuracy } from '../eval/metrics.js';
import { onnxruntimeActive } from '../kernels/onnxruntime.js';
import { cnnGraphGradients, cnnLogits, cnnShapeOf } from './cnnGraphs.js';
import { dropoutMask } from './dropoutMask.js';
import type { Learner } from './learner.js';
import { createMlpTeacher } from './mlpTeacher.js';

/** `cnn` for images ([height, width, channels]), `mlp` for vectors. */
export type TeacherArch = 'cnn' | 'mlp';

/** The architecture a dataset gets unless one is chosen: the CNN needs images. */
export function defaultTeacherArch(inputShape: number[]): TeacherArch {
  return inputShape.length === 3 ? 'cnn' : 'mlp';
}

export interface TeacherConfig {
  inputShape: number[]; // [28, 28, 1]
  classes: number;
  seed: number;
}

export function createTeacher(config: TeacherConfig): tfl.LayersModel {
  const init = (offset: number) => tfl.initializers.glorotUniform({ seed: config.seed * 16 + offset });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: config.inputShape, filters: 32, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init(2) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: config.classes, kernelInitializer: init(3) }), // logits z
    ],
  });
}

/** The teacher of `arch`: the CNN, or an MLP with `hidden` layer sizes. */
export function createTeacherModel(arch: TeacherArch, config: TeacherConfig & { hidden: number[] }): tfl.LayersModel {
  return arch === 'mlp' ? createMlpTeacher(config) : createTeacher(config);
}

/** Which architecture a loaded teacher has: any convolution makes it the CNN. */
export function teacherArchOf(model: tfl.LayersModel): TeacherArch {
  return model.layers.some((layer) => layer.getClassName() === 'Conv2D') ? 'cnn' : 'mlp';
}

/**
 * Examples per forward pass, all of them in one batch: model.predict's own default batch of
 * 32 ran the CNN at half the speed (measured on the idle machine, 4,000 images: 750–850
 * images/s at 32, 1,140 at 128, 1,590–1,800 at 500), with the same logits bit for bit. The
 * onnxruntime graph gains little beyond 128 (7,350 images/s there, 7,700 at 500), and its
 * logits do not depend on the chunk.
 */
const CHUNK = 500;

/**
 * The teacher's logits for every example of a split, [n, K]. With onnxruntime running, the
 * CNN's forward pass is one onnxruntime graph (cnnGraphs.ts: convolutions in the NCHWc
 * layout, bias and relu fused), about 2.5× as fast as model.predict through tfjs's kernels,
 * with the same logits to float rounding.
 */
export function teacherLogits(model: tfl.LayersModel, split: Split): Float32Array {
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  const F = inputShape.reduce((a, b) => a * b, 1);
  const K = model.outputs[0].shape[1] as number;
  const out = new Float32Array(split.n * K);
  const shape = onnxruntimeActive() ? cnnShapeOf(model) : null;
  const weights = shape ? model.layers.flatMap((layer) => layer.getWeights()).map((w) => w.dataSync() as Float32Array) : [];
  for (let start = 0; start < split.n; start += CHUNK) {
    const rows = Math.min(CHUNK, split.n - start);
    const x = split.x.subarray(start * F, (start + rows) * F);
    if (shape) {
      out.set(cnnLogits(shape, weights, x, rows), start * K);
      continue;
    }
    const logits = tf.tidy(() => model.predict(tf.tensor(x, [rows, ...inputShape]), { batchSize: rows }) as tf.Tensor);
    out.set(logits.dataSync(), start * K);
    logits.dispose();
  }
  return out;
}

/**
 * Training applies dropout before every dense layer that reads a hidden representation (the
 * CNN's one dense layer; every MLP layer after the first) rather than as a layer: a seeded
 * tfjs Dropout layer draws the same mask at every call, so the mask's seed is derived from
 * the training step instead (deterministic, and the same after a resume). The last layer's
 * mask uses the step's seed itself, each earlier one the seed plus its distance from the end.
 * The masks are tf.dropout's for those seeds, drawn by dropoutMask.ts (the same bits, faster).
 * With onnxruntime running, the CNN's whole step is one onnxruntime graph instead of the tape
 * (cnnGraphs.ts: the same loss, masks and gradients, about twice as fast).
 */
export function teacherLearner(model: tfl.LayersModel, dropout = 0, seed = 1): Learner {
  const K = model.outputs[0].shape[1] as number;
  const last = model.layers.length - 1;
  const firstWeighted = model.layers.findIndex((layer) => layer.getWeights().length > 0);
  let maskSeed = seed;
  const logits = (x: tf.Tensor) =>
    model.layers.reduce((h, layer, i) => {
      const dropped = dropout > 0 && i > firstWeighted && layer.getClassName() === 'Dense';
      const input = dropped ? tf.mul(h, tf.tensor(dropoutMask(h.size, dropout, maskSeed + (last - i)), h.shape)) : h;
      return layer.apply(input) as tf.Tensor;
    }, x);
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const shape = onnxruntimeActive() ? cnnShapeOf(model) : null;
  const step = shape
    ? { gradients: cnnGraphGradients(shape, trainable, dropout, () => maskSeed) }
    : { loss: (x: tf.Tensor, targets: tf.Tensor2D) => tf.losses.softmaxCrossEntropy(targets, logits(x)) as tf.Scalar };
  return {
    trainable,
    ...step,
    beforeBatch: (progress) => (maskSeed = seed * 7919 + Math.round(progress * 2 ** 30)),
    accuracy: (split) => accuracy(argMaxRows(teacherLogits(model, split), K), split.y),
    snapshot: () => model.getWeights().map((w) => (w.dataSync() as Float32Array).slice()),
    restore: (arrays) => {
      const tensors = model.getWeights().map((w, i) => tf.tensor(arrays[i], w.shape));
      model.setWeights(tensors);
      tf.dispose(tensors);
    },
  };
}
