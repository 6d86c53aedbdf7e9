/**
 * Transfer sets: the images a tree is trained on. `train` is the training split as it is;
 * `augment` distorts every image (src/data/augment.ts); `mixup` blends each image with
 * another, x = λ·x_i + (1 − λ)·x_j, λ ~ Beta(a, a) (Zhang et al. 2018; Beyer et al. 2022's
 * "function matching" when the teacher labels the blend). K copies are drawn, each from its
 * own seeded generator; epoch e trains on copy (e − 1) mod K, so K = epochs shows every epoch
 * fresh images and a small K lets the teacher label each copy once (cached). A file of
 * unlabelled examples is a transfer set too (transferFile.ts).
 */
import { augmentImage, type AugmentStrength } from '../data/augment.js';
import type { Dataset, Split } from '../data/dataset.js';
import { SdtError } from '../errors.js';
import { permutation, randomSource, symmetricBetaSample } from '../random.js';

export type TransferKind = 'train' | 'augment' | 'mixup';
export const TRANSFER_KINDS: TransferKind[] = ['train', 'augment', 'mixup'];

export interface TransferOptions extends AugmentStrength {
  /** One of TRANSFER_KINDS, or the absolute path of a file of unlabelled examples (transferFile.ts). */
  transfer: TransferKind | string;
  /** With a file: its SHA-256 when the run began (a changed file is refused); else null. */
  transferSha256: string | null;
  /** Distinct copies of the transfer set; epoch e uses copy (e − 1) mod K. */
  copies: number;
  /** Beta(a, a) of mixup's weight: 1 is uniform, small a keeps blends near one image. */
  mixupAlpha: number;
}

export const TRANSFER_DEFAULTS: TransferOptions = {
  transfer: 'train',
  transferSha256: null,
  copies: 1,
  rotation: 6,
  shift: 1,
  scale: 0.1,
  shear: 0,
  elastic: 0,
  mixupAlpha: 1,
};

/** Distortion needs images ([height, width, channels]): refused in one sentence naming `flag` otherwise. */
export function requireImagesToAugment(dataset: Pick<Dataset, 'name' | 'inputShape'>, flag: string, hint?: string): void {
  if (dataset.inputShape.length !== 3) throw new SdtError(`${flag} distorts images; ${dataset.name} has inputs of shape [${dataset.inputShape}].`, hint);
}

/** One copy of a transfer set: images and, per image, the label mixture of its sources. */
export interface TransferCopy {
  x: Float32Array;
  /** [n, K]: one-hot for a distorted image, λ·onehot(y_i) + (1 − λ)·onehot(y_j) for a blend. */
  hard: Float32Array;
  n: number;
}

/** Copy `copy` of the transfer set drawn from `rows` (images of `shape`), seeded by `seed`. */
export function transferCopy(rows: Split, shape: number[], classes: number, options: TransferOptions, seed: number, copy: number): TransferCopy {
  const F = shape.reduce((a, b) => a * b, 1);
  const { n } = rows;
  const random = randomSource((seed * 1_000_003 + copy * 7919 + 17) >>> 0);
  const x = new Float32Array(n * F);
  const hard = new Float32Array(n * classes);
  if (options.transfer === 'augment') {
    for (let i = 0; i < n; i++) {
      x.set(augmentImage(rows.x.subarray(i * F, (i + 1) * F), shape, options, random), i * F);
      hard[i * classes + rows.y[i]] = 1;
    }
  } else if (options.transfer === 'mixup') {
    const partner = permutation(n, random);
    for (let i = 0; i < n; i++) {
      const j = partner[i];
      const lambda = symmetricBetaSample(options.mixupAlpha, random);
      for (let f = 0; f < F; f++) x[i * F + f] = lambda * rows.x[i * F + f] + (1 - lambda) * rows.x[j * F + f];
      hard[i * classes + rows.y[i]] += lambda;
      hard[i * classes + rows.y[j]] += 1 - lambda;
    }
  } else {
    throw new Error(`transferCopy: the ${options.transfer} transfer set is the training split itself`);
  }
  return { x, hard, n };
}

/** What identifies a copy's images (for caching its teacher labels): the recipe, the seed, the copy. */
export function transferKey(options: TransferOptions, seed: number, validation: number, copy: number): string {
  const { transfer, rotation, shift, scale, shear, elastic, mixupAlpha } = options;
  const strength = transfer === 'mixup' ? { mixupAlpha } : { rotation, shift, scale, shear, elastic };
  return JSON.stringify({ transfer, ...strength, seed, validation, copy });
}

/**
 * The loop's examples of epoch e: copy (e − 1) mod K of the transfer set drawn from `rows`,
 * with the targets `label` gives its images (kept while consecutive epochs share a copy).
 */
export function transferEpochs(
  rows: Split,
  shape: number[],
  classes: number,
  options: TransferOptions & { seed: number; validation: number },
  label: (x: Float32Array, n: number, hard: Float32Array, key: string) => Float32Array,
): (epoch: number) => { x: Float32Array; targets: Float32Array } {
  let current: { copy: number; examples: { x: Float32Array; targets: Float32Array } } | undefined;
  return (epoch) => {
    const copy = (epoch - 1) % options.copies;
    if (current?.copy !== copy) {
      const images = transferCopy(rows, shape, classes, options, options.seed, copy);
      const key = transferKey(options, options.seed, options.validation, copy);
      current = { copy, examples: { x: images.x, targets: label(images.x, images.n, images.hard, key) } };
    }
    return current.examples;
  };
}
