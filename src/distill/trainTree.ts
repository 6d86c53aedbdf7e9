/**
 * Trains one soft decision tree on a dataset with given targets (one-hot labels for the
 * baseline, a teacher's soft targets for the distilled tree) and evaluates it on the test set.
 */
import type { Dataset } from '../data/dataset.js';
import { featureCount } from '../data/dataset.js';
import { validationSplit } from '../data/split.js';
import { accuracy, confusionMatrix, perClassAccuracy } from '../eval/metrics.js';
import { createSoftTree, type TreeConfig } from '../models/sdt.js';
import { treeFileFrom, type TreeFile } from '../models/treeFile.js';
import { predictTree, treeLearner, type TreePredictions } from '../models/treePredictions.js';
import { train, type LoopOptions, type TrainCallbacks, type TrainResult, type TrainSettings } from './train.js';

export interface TreeTrainingOptions extends LoopOptions {
  depth: number;
  lambda: number;
  beta: number;
  learnBeta: boolean;
  betaEnd: number | null;
  penaltyLevel: 'mean' | 'sum';
  alphaWindow: number;
}

export const TREE_DEFAULTS: TreeTrainingOptions = {
  depth: 8,
  epochs: 25,
  batchSize: 128,
  optimizer: 'adam',
  momentum: 0.9,
  lr: 3e-3,
  schedule: 'cosine',
  lambda: 0.1,
  beta: 1,
  learnBeta: false,
  betaEnd: null,
  penaltyLevel: 'mean',
  alphaWindow: 0,
  patience: 0,
  validation: 0.1,
  seed: 1,
};

export interface TreeEvaluation {
  maxPathAccuracy: number;
  mixtureAccuracy: number;
  leavesUsed: number;
  confusion: number[][];
  perClassAccuracy: number[];
}

export function evaluateTreePredictions(p: TreePredictions, labels: Int32Array, classes: number): TreeEvaluation {
  const confusion = confusionMatrix(p.maxPath, labels, classes);
  return {
    maxPathAccuracy: accuracy(p.maxPath, labels),
    mixtureAccuracy: accuracy(p.mixture, labels),
    leavesUsed: new Set(p.leaf).size,
    confusion,
    perClassAccuracy: perClassAccuracy(confusion),
  };
}

export interface TrainedTree {
  file: TreeFile;
  training: TrainResult;
  test: TreeEvaluation;
  predictions: TreePredictions;
  parameters: number;
}

/**
 * `targets` are rows aligned with dataset.train (n × K); the validation split is drawn from
 * the same rows, so labels and targets stay paired.
 */
export async function trainTree(
  dataset: Dataset,
  targets: Float32Array,
  options: TreeTrainingOptions,
  callbacks: TrainCallbacks = {},
  checkpoint?: TrainSettings['checkpoint'],
): Promise<TrainedTree> {
  const F = featureCount(dataset);
  const K = dataset.classNames.length;
  // Carry each row's index through the split, so targets follow their examples.
  const indexed = { x: dataset.train.x, y: Int32Array.from({ length: dataset.train.n }, (_, i) => i), n: dataset.train.n };
  const { train: trainRows, validation: validationRows } = validationSplit(indexed, F, options.validation, options.seed);
  const pick = (rows: Int32Array, source: ArrayLike<number>, width: number) => {
    const out = new Float32Array(rows.length * width);
    rows.forEach((r, i) => {
      for (let k = 0; k < width; k++) out[i * width + k] = source[r * width + k];
    });
    return out;
  };
  const validation = { x: validationRows.x, y: Int32Array.from(validationRows.y, (r) => dataset.train.y[r]), n: validationRows.n };
  const config: TreeConfig = {
    depth: options.depth,
    features: F,
    classes: K,
    beta: options.beta,
    learnBeta: options.learnBeta,
    betaEnd: options.betaEnd,
    lambda: options.lambda,
    penaltyLevel: options.penaltyLevel,
    alphaWindow: options.alphaWindow,
    seed: options.seed,
  };
  const tree = createSoftTree(config);
  try {
    const training = await train(
      treeLearner(tree),
      { x: trainRows.x, targets: pick(trainRows.y, targets, K), n: trainRows.n, inputShape: [F], classes: K },
      validation,
      { ...options, learningRate: options.lr, checkpoint },
      callbacks,
    );
    const predictions = predictTree(tree, dataset.test);
    const parameters = tree.read();
    const file = treeFileFrom(parameters, options.depth, {
      inputShape: dataset.inputShape,
      classNames: dataset.classNames,
      featureNames: dataset.featureNames,
      preprocessing: dataset.preprocessing,
      training: { dataset: dataset.name, split: dataset.split, options, bestEpoch: training.bestEpoch, epochs: training.history.length },
    });
    return {
      file,
      training,
      test: evaluateTreePredictions(predictions, dataset.test.y, K),
      predictions,
      parameters: parameters.weights.length + parameters.biases.length + parameters.leafLogits.length + (options.learnBeta ? 1 : 0),
    };
  } finally {
    tree.dispose();
  }
}
