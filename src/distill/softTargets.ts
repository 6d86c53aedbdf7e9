/**
 * Targets for distillation (Hinton, Vinyals & Dean 2015): the teacher's logits softened
 * by a temperature, optionally mixed with the hard labels.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicWrite.js';
import type { Dataset } from '../data/dataset.js';
import { SdtError } from '../errors.js';
import { oneHot } from '../data/oneHot.js';
import { ensureFolder } from '../runs/files.js';
import type { TargetRecipe } from './trainTree.js';

/** softmax(z / T) of every row. */
export function softTargets(logits: Float32Array, classes: number, temperature: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let row = 0; row < logits.length; row += classes) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, logits[row + k] / temperature);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += out[row + k] = Math.exp(logits[row + k] / temperature - max);
    for (let k = 0; k < classes; k++) out[row + k] /= sum;
  }
  return out;
}

/**
 * α · hard + (1 − α) · T² · soft, renormalised to sum to 1. The tree's loss is linear in its
 * targets, so this equals Hinton et al.'s weighted sum of the two cross-entropies (the soft
 * term scaled by T²), divided by a constant that keeps the loss on the scale λ was tuned for.
 */
export function mixTargets(soft: Float32Array, hard: Float32Array, alpha: number, temperature: number): Float32Array {
  const softWeight = (1 - alpha) * temperature ** 2;
  const total = alpha + softWeight;
  return soft.map((s, i) => (alpha * hard[i] + softWeight * s) / total);
}

/** The teacher's outputs a distilled tree learns from. */
export interface TeacherOutputs {
  /** Logits on the training set, [n, K]. */
  trainLogits(): Float32Array;
  /** Logits on transfer-set images, [n, K]; `key` identifies the images. */
  logitsOf(x: Float32Array, n: number, key: string): Float32Array;
}

/**
 * The distilled tree's recipe: mixTargets(softmax(z/T), labels) on the training rows, on
 * transfer images the teacher's softened logits mixed with the images' label blend, and on
 * unlabelled examples softmax(z/T) alone (there is no label to mix in).
 */
export function distillTargets(teacher: TeacherOutputs, labels: Int32Array, classes: number, temperature: number, alpha: number): TargetRecipe {
  return {
    plain: () => mixTargets(softTargets(teacher.trainLogits(), classes, temperature), oneHot(labels, classes), alpha, temperature),
    transformed: (x, n, hard, key) => mixTargets(softTargets(teacher.logitsOf(x, n, key), classes, temperature), hard, alpha, temperature),
    unlabelled: (x, n, key) => softTargets(teacher.logitsOf(x, n, key), classes, temperature),
  };
}

/** What a distilled tree's run configuration adds to the baseline's: the targets' settings and the teacher they came from. */
export function distilledSettings(teacher: { folder: string; checksum: string }, temperature: number, alpha: number) {
  return { temperature, alpha, teacher: teacher.folder, teacherChecksum: teacher.checksum };
}

/**
 * The teacher's logits on the training set (`images` null) or on transfer images named by
 * `images`, computed once and cached beside the teacher, under a key made of the teacher's
 * checksum, the data's and the images' name, so a changed teacher or dataset is never served
 * stale outputs. Path null: the cache could not be written.
 */
export function cachedTeacherLogits(
  teacherFolder: string,
  teacherChecksum: string,
  dataset: Dataset,
  compute: () => Float32Array,
  images: { key: string; n: number } | null = null,
): { logits: Float32Array; cached: boolean; path: string | null } {
  const hash = createHash('sha256')
    .update(teacherChecksum)
    .update(JSON.stringify(dataset.files.map((f) => f.sha256)))
    .update(String(dataset.train.n));
  if (images) hash.update(images.key);
  const key = hash.digest('hex').slice(0, 24);
  const folder = join(teacherFolder, 'cache');
  const path = join(folder, `${images ? 'transfer' : 'train'}-logits-${key}.f32`);
  const expectedBytes = (images?.n ?? dataset.train.n) * dataset.classNames.length * 4;
  if (existsSync(path)) {
    const bytes = readFileSync(path);
    if (bytes.length === expectedBytes) {
      return { logits: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), cached: true, path };
    }
  }
  const logits = compute();
  try {
    ensureFolder(folder);
    writeFileAtomic(path, new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength));
    return { logits, cached: false, path };
  } catch (error) {
    // A teacher folder this process may not write to (read-only, shared): go on uncached.
    const fileError = error instanceof SdtError || ['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST', 'ENOSPC'].includes((error as NodeJS.ErrnoException)?.code ?? '');
    if (!fileError) throw error;
    return { logits, cached: false, path: null };
  }
}
