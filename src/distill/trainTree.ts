/**
 * Trains one soft decision tree on a dataset with given targets (one-hot labels for the
 * baseline, a teacher's soft targets for the distilled tree) and evaluates it on the test set.
 */
import type { Dataset } from '../data/dataset.js';
import { featureCount } from '../data/dataset.js';
import { oneHot } from '../data/oneHot.js';
import { gatherRows, stackRows } from '../data/rows.js';
import { validationSplit } from '../data/split.js';
import { accuracy, confusionMatrix, perClassAccuracy } from '../eval/metrics.js';
import { FILTER_PENALTY_DEFAULTS, type FilterPenaltyOptions, imageShapeOf } from '../models/filterPenalty.js';
import { createSoftTree, type TreeConfig } from '../models/sdt.js';
import { treeFileFrom, type TreeFile } from '../models/treeFile.js';
import { predictTree, treeLearner, type TreePredictions } from '../models/sdtBatches.js';
import type { Learner } from '../models/learner.js';
import { train, type LoopOptions, type TrainData, type TrainCallbacks, type TrainResult, type TrainSettings } from './train.js';
import { requireImagesToAugment, TRANSFER_DEFAULTS, transferEpochs, type TransferOptions } from './transfer.js';
import { isTransferFile, transferExamples, unlabelledForLabels } from './transferFile.js';

export interface TreeTrainingOptions extends LoopOptions, TransferOptions, FilterPenaltyOptions {
  depth: number;
  lambda: number;
  beta: number;
  learnBeta: boolean;
  betaEnd: number | null;
  /** Share of training after which β anneals to betaEnd (hardening the routing at the end). */
  annealStart: number;
  /** With a late annealStart: the hardening phase restarts the schedule at this share of lr (0: the schedule runs on, as before). */
  hardenLr: number;
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
  annealStart: 0,
  hardenLr: 0,
  penaltyLevel: 'mean',
  alphaWindow: 0,
  patience: 0,
  validation: 0.1,
  seed: 1,
  ...TRANSFER_DEFAULTS,
  ...FILTER_PENALTY_DEFAULTS,
};

export interface TreeEvaluation {
  maxPathAccuracy: number;
  mixtureAccuracy: number;
  /** Share of examples whose max path carries at least half of the tree's probability (P^ℓ ≥ 0.5). */
  committedShare: number;
  leavesUsed: number;
  confusion: number[][];
  perClassAccuracy: number[];
}

export function evaluateTreePredictions(p: TreePredictions, labels: Int32Array, classes: number): TreeEvaluation {
  const confusion = confusionMatrix(p.maxPath, labels, classes);
  return {
    maxPathAccuracy: accuracy(p.maxPath, labels),
    mixtureAccuracy: accuracy(p.mixture, labels),
    committedShare: p.leafProbability.filter((v) => v >= 0.5).length / Math.max(1, p.leafProbability.length),
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
 * What a tree learns from: the targets of the training rows as they are (aligned with
 * dataset.train, n × K; the validation split is drawn from the same rows, so labels and
 * targets stay paired), and the targets of transfer-set images whose label mixture is `hard`.
 */
export interface TargetRecipe {
  plain(): Float32Array;
  /** `key` identifies the images (for a cache of the teacher's outputs on them). */
  transformed(x: Float32Array, n: number, hard: Float32Array, key: string): Float32Array;
  /** Targets of examples without labels (a transfer file); absent when only labels are known. */
  unlabelled?(x: Float32Array, n: number, key: string): Float32Array;
}

/** The baseline's recipe: the labels themselves (for blends, the blend of the labels). */
export function labelTargets(labels: Int32Array, classes: number): TargetRecipe {
  return { plain: () => oneHot(labels, classes), transformed: (_x, _n, hard) => hard };
}

export async function trainTree(
  dataset: Dataset,
  targets: TargetRecipe,
  options: TreeTrainingOptions,
  callbacks: TrainCallbacks = {},
  checkpoint?: TrainSettings['checkpoint'],
): Promise<TrainedTree> {
  const F = featureCount(dataset);
  const K = dataset.classNames.length;
  // Carry each row's index through the split, so targets follow their examples.
  const indexed = { x: dataset.train.x, y: Int32Array.from({ length: dataset.train.n }, (_, i) => i), n: dataset.train.n };
  const { train: trainRows, validation: validationRows } = validationSplit(indexed, F, options.validation, options.seed);
  const validation = { x: validationRows.x, y: Int32Array.from(validationRows.y, (r) => dataset.train.y[r]), n: validationRows.n };
  const config: TreeConfig = {
    depth: options.depth,
    features: F,
    classes: K,
    beta: options.beta,
    learnBeta: options.learnBeta,
    betaEnd: options.betaEnd,
    annealStart: options.annealStart,
    lambda: options.lambda,
    penaltyLevel: options.penaltyLevel,
    alphaWindow: options.alphaWindow,
    filterL1: options.filterL1,
    filterSmoothness: options.filterSmoothness,
    imageShape: imageShapeOf(dataset.inputShape),
    seed: options.seed,
  };
  if (options.transfer === 'augment') requireImagesToAugment(dataset, '--transfer augment', 'Use --transfer mixup or train.');
  const data: TrainData = { x: trainRows.x, targets: new Float32Array(0), n: trainRows.n, inputShape: [F], classes: K };
  if (options.transfer === 'train') data.targets = gatherRows(targets.plain(), trainRows.y, K);
  else if (isTransferFile(options.transfer)) {
    if (!targets.unlabelled) throw unlabelledForLabels(options.transfer);
    // The training split with its targets, then the file's examples with theirs: one fixed set.
    const extra = await transferExamples(options, dataset);
    data.x = stackRows(trainRows.x, extra.x);
    data.targets = stackRows(gatherRows(targets.plain(), trainRows.y, K), targets.unlabelled(extra.x, extra.n, JSON.stringify({ file: extra.sha256, preprocessing: dataset.preprocessing })));
    data.n = trainRows.n + extra.n;
  } else {
    const rows = { x: trainRows.x, y: Int32Array.from(trainRows.y, (r) => dataset.train.y[r]), n: trainRows.n };
    data.forEpoch = transferEpochs(rows, dataset.inputShape, K, options, targets.transformed);
  }
  const tree = createSoftTree(config);
  // Hardening measured on the same run: the test metrics just before β starts to rise.
  const hardeningEpoch = options.betaEnd !== null && options.annealStart > 0 ? Math.floor(options.annealStart * options.epochs) : 0;
  const learner: Learner = {
    ...treeLearner(tree),
    epochReport: (epoch) => {
      if (epoch !== hardeningEpoch) return undefined;
      const { maxPathAccuracy, mixtureAccuracy, committedShare } = evaluateTreePredictions(predictTree(tree, dataset.test), dataset.test.y, K);
      return { testBeforeHardening: { maxPathAccuracy, mixtureAccuracy, committedShare } };
    },
  };
  try {
    const restart = hardeningEpoch > 0 && options.hardenLr > 0 ? { at: options.annealStart, scale: options.hardenLr } : undefined;
    const training = await train(learner, data, validation, { ...options, learningRate: options.lr, restart, checkpoint }, callbacks);
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
