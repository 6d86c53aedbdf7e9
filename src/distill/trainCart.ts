/** Fits the CART baseline, evaluates it, and writes its run folder. */
import { join } from 'node:path';
import type { BackendChoice } from '../backend.js';
import type { Dataset } from '../data/dataset.js';
import { featureCount } from '../data/dataset.js';
import { accuracy, confusionMatrix, perClassAccuracy } from '../eval/metrics.js';
import { fitCart } from '../models/cart.js';
import { CART_MODEL_NAME, cartToJson } from '../models/cartFile.js';
import { cartDepth, cartLeafCount, predictCart } from '../models/cartPredict.js';
import { ensureFolder, writeJsonAtomic } from '../runs/files.js';
import { createManifest, type RunConfig } from '../runs/manifest.js';
import { finishRun } from '../runs/runFolder.js';

export interface CartRunOptions {
  /** 0 = unlimited. */
  maxDepth: number;
  minSamplesLeaf: number;
}

export const CART_DEFAULTS: CartRunOptions = { maxDepth: 8, minSamplesLeaf: 1 };

export interface TrainedCart {
  testAccuracy: number;
  testPredictions: Int32Array;
  parameters: number;
  leaves: number;
  depth: number;
  seconds: number;
}

export function trainCartRun(
  dataset: Dataset,
  options: CartRunOptions,
  folder: string,
  backend: BackendChoice,
  baseConfig: RunConfig,
): TrainedCart {
  const F = featureCount(dataset);
  const K = dataset.classNames.length;
  const started = performance.now();
  const model = fitCart(dataset.train.x, dataset.train.y, dataset.train.n, F, K, options);
  const seconds = (performance.now() - started) / 1000;
  const testPredictions = predictCart(model, dataset.test.x, dataset.test.n);
  const confusion = confusionMatrix(testPredictions, dataset.test.y, K);
  const leaves = cartLeafCount(model);
  // An inner node stores a feature and a threshold; a leaf its class counts.
  const parameters = (model.feature.length - leaves) * 2 + leaves * K;
  const result = { testAccuracy: accuracy(testPredictions, dataset.test.y), testPredictions, parameters, leaves, depth: cartDepth(model), seconds };
  ensureFolder(folder);
  writeJsonAtomic(join(folder, CART_MODEL_NAME), cartToJson(model, {
    inputShape: dataset.inputShape,
    classNames: dataset.classNames,
    preprocessing: dataset.preprocessing,
    training: { dataset: dataset.name, split: dataset.split, options, seconds },
  }));
  finishRun(
    folder,
    { test: { accuracy: result.testAccuracy, confusion, perClassAccuracy: perClassAccuracy(confusion) }, parameters, leaves, depth: result.depth, trainingSeconds: seconds },
    createManifest('cart', { ...baseConfig, ...options }, backend, dataset.files),
  );
  return result;
}
