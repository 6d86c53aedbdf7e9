/**
 * Unlabelled examples from a file, made into a dataset's inputs (its preprocessing applied):
 * for an image dataset an idx file of images of the dataset's size (plain or .gz) or a folder
 * of PNG, JPEG or WebP pictures, each normalised as `sdt explain --input` normalises one
 * (inputFile.ts); for a CSV dataset a CSV file with the same feature columns (a label column
 * is ignored). A transfer set for distillation: the teacher labels them.
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SdtError } from '../errors.js';
import { describeFsError } from '../fsErrors.js';
import { readFeatureRows } from './csv.js';
import type { Dataset } from './dataset.js';
import { featureCount, preprocessRows } from './dataset.js';
import { sha256File } from './fileHashes.js';
import { readIdx } from './idx.js';
import { imageShape, readInputFile } from './inputFile.js';

export interface UnlabelledExamples {
  /** Model inputs, row-major [n, features]. */
  x: Float32Array;
  n: number;
  /** Of the file's bytes; of a folder, of its pictures' names and bytes. */
  sha256: string;
}

const PICTURE = /\.(png|jpe?g|webp)$/i;

function kindOf(path: string): 'file' | 'folder' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'file';
  } catch (error) {
    throw new SdtError(`transfer file ${path} cannot be read: ${describeFsError(error)} (--transfer takes train, augment, mixup or a file of unlabelled examples).`);
  }
}

function pictures(folder: string): string[] {
  const names = readdirSync(folder).filter((name) => PICTURE.test(name)).sort();
  if (names.length === 0) throw new SdtError(`transfer folder ${folder} holds no PNG, JPEG or WebP pictures.`);
  return names.map((name) => join(folder, name));
}

/** The SHA-256 that identifies the examples at `path`, file or folder. */
export function unlabelledSha256(path: string): string {
  if (kindOf(path) === 'file') return sha256File(path);
  const hash = createHash('sha256');
  for (const picture of pictures(path)) hash.update(`${picture.slice(path.length)}\0${sha256File(picture)}\n`);
  return hash.digest('hex');
}

/** The label column of a csv:PATH#label=COLUMN dataset: an index, null when named, undefined when not given (the last). */
function labelIndex(spec: string): number | null | undefined {
  const label = /#label=(.*)$/s.exec(spec)?.[1]?.trim();
  if (label === undefined) return undefined;
  return /^[+-]?\d+$/.test(label) ? Number(label) : null;
}

async function readRaw(path: string, dataset: Dataset): Promise<{ raw: ArrayLike<number>; n: number }> {
  const image = imageShape(dataset.inputShape);
  const F = featureCount(dataset);
  if (!image) {
    if (kindOf(path) === 'folder') throw new SdtError(`transfer file ${path} is a folder; unlabelled rows of ${dataset.name} come in a CSV file.`);
    const { x, n } = readFeatureRows(path, dataset.featureNames ?? [], labelIndex(dataset.name));
    return { raw: x, n };
  }
  if (kindOf(path) === 'folder') {
    const files = pictures(path);
    const raw = new Float64Array(files.length * F);
    for (const [i, file] of files.entries()) raw.set((await readInputFile(file, F, image)).raw, i * F);
    return { raw, n: files.length };
  }
  const { dims, data } = readIdx(path);
  const [n, ...shape] = dims;
  const expected = image.channels === 1 ? [image.height, image.width] : [image.height, image.width, image.channels];
  if (shape.join('×') !== expected.join('×') && shape.join('×') !== [image.height, image.width, image.channels].join('×')) {
    throw new SdtError(`idx file ${path} holds an array of shape ${dims.join('×')}, but ${dataset.name} images are N×${expected.join('×')}.`);
  }
  if (n === 0) throw new SdtError(`idx file ${path} holds no images.`);
  return { raw: data, n };
}

/** The examples at `path` as inputs of `dataset` (`sha256` when the caller hashed it already); every problem is one sentence naming the file. */
export async function readUnlabelled(path: string, dataset: Dataset, sha256 = unlabelledSha256(path)): Promise<UnlabelledExamples> {
  const { raw, n } = await readRaw(path, dataset);
  return { x: preprocessRows(raw, featureCount(dataset), dataset.preprocessing), n, sha256 };
}
