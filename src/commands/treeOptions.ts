/** The soft tree's training options, shared by `sdt baseline`, `sdt distill` and `sdt study`. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { AUGMENT_LIMITS, type AugmentStrength } from '../data/augment.js';
import type { Dataset } from '../data/dataset.js';
import { fitToData, MIN_STEPS, trainingRows } from '../distill/fitToData.js';
import { TRANSFER_KINDS, type TransferKind } from '../distill/transfer.js';
import { TREE_DEFAULTS, type TreeTrainingOptions } from '../distill/trainTree.js';
import { checkFilterPenalties } from '../models/filterPenalty.js';
import { SdtError } from '../errors.js';
import { pickOptions } from '../pickOptions.js';
import { say } from './context.js';
import { choiceOption, integerOption, numberOption } from './options.js';

export function addTreeOptions(command: Command): Command {
  const d = TREE_DEFAULTS;
  return command
    .addOption(integerOption('--depth <n>', 'tree depth: levels of inner nodes', 1, 12, d.depth))
    .addOption(integerOption('--epochs <n>', 'training epochs (unless given, raised to reach --min-steps)', 1, 100000, d.epochs))
    .addOption(integerOption('--batch-size <n>', 'examples per batch (unless given, at most a tenth of the training examples, at least 16)', 1, 65536, d.batchSize))
    .addOption(integerOption('--min-steps <n>', 'fewest optimisation steps when --epochs is not given', 0, 10_000_000, MIN_STEPS))
    .addOption(choiceOption('--optimizer <name>', 'optimiser', ['adam', 'sgd'], d.optimizer))
    .addOption(numberOption('--momentum <m>', 'SGD momentum', 0, 0.999, d.momentum))
    .addOption(numberOption('--lr <rate>', 'learning rate', 1e-7, 10, d.lr))
    .addOption(choiceOption('--schedule <name>', 'learning-rate schedule', ['constant', 'cosine'], d.schedule))
    .addOption(numberOption('--lambda <λ>', 'strength of the balance penalty', 0, 100, d.lambda))
    .addOption(numberOption('--beta <β>', 'inverse temperature of the inner nodes (fixed unless --learn-beta)', 1e-3, 1000, d.beta))
    .addOption(new Option('--learn-beta', 'learn β, starting from --beta'))
    .addOption(numberOption('--beta-end <β>', 'anneal β geometrically from --beta to this value over training', 1e-3, 1000))
    .addOption(numberOption('--anneal-start <share>', 'share of training after which β anneals to --beta-end (e.g. 0.8: harden the routing in the last fifth)', 0, 0.99, d.annealStart))
    .addOption(numberOption('--harden-lr <share>', 'with --anneal-start: the hardening phase restarts the learning-rate schedule at this share of --lr (0: the schedule runs on)', 0, 1, d.hardenLr))
    .addOption(transferOption(d.transfer))
    .addOption(integerOption('--copies <k>', 'distinct copies of the transfer set; epoch e uses copy (e-1) mod k', 1, 1000, d.copies))
    .addOption(strengthOption('rotation', '<degrees>', d.rotation))
    .addOption(strengthOption('shift', '<pixels>', d.shift))
    .addOption(strengthOption('scale', '<share>', d.scale))
    .addOption(strengthOption('shear', '<degrees>', d.shear))
    .addOption(strengthOption('elastic', '<pixels>', d.elastic))
    .addOption(numberOption('--mixup-alpha <a>', 'mixup: blend weight λ ~ Beta(a, a)', 0.01, 100, d.mixupAlpha))
    .addOption(choiceOption('--penalty-level <how>', "combine a level's node penalties by mean or sum", ['mean', 'sum'], d.penaltyLevel))
    .addOption(integerOption('--alpha-window <batches>', 'running-average window of α at the root (×2^depth below; 0: per batch)', 0, 100000, d.alphaWindow))
    .addOption(numberOption('--filter-l1 <λ1>', 'L1 penalty λ1·Σ|w| on the inner nodes\' filters: sparser filters (0: none)', 0, 100, d.filterL1))
    .addOption(numberOption('--filter-smoothness <λ2>', 'penalty λ2·Σ(neighbouring pixels\' difference)² on the filters: smoother filters, images only (0: none)', 0, 100, d.filterSmoothness))
    .addOption(integerOption('--patience <epochs>', 'stop after this many epochs without a better validation accuracy (0: never)', 0, 1000, d.patience))
    .addOption(numberOption('--validation <share>', 'share of the training set held out for validation', 0, 0.5, d.validation));
}

/** One of --transfer augment's strengths, e.g. --rotation <degrees>. */
function strengthOption(name: keyof AugmentStrength, argument: string, fallback: number): Option {
  const { max, what } = AUGMENT_LIMITS[name];
  return numberOption(`--${name} ${argument}`, `augment: ${what}`, 0, max, fallback);
}

/** --transfer: one of the kinds, or a file of unlabelled examples (its absolute path, so a resumed run finds it from anywhere). */
function transferOption(fallback: string): Option {
  const description = 'examples to train on: the training split, distorted copies of it (augment), blends of pairs (mixup), or a PATH of unlabelled ' +
    'examples (images: an idx file or a folder of PNG/JPEG pictures; tables: a CSV of the feature columns) that only sdt distill uses, the teacher labelling them at --temperature';
  return new Option('--transfer <set>', `${description} (${TRANSFER_KINDS.join(', ')} or PATH)`).default(fallback).argParser((value: string) => {
    if (value.trim() === '') throw new SdtError(`--transfer takes ${TRANSFER_KINDS.join(', ')} or the path of a file of unlabelled examples, not "".`);
    return TRANSFER_KINDS.includes(value as TransferKind) ? value : resolve(value);
  });
}

export function treeOptionsFrom(parsed: Record<string, unknown>): TreeTrainingOptions {
  if (parsed.learnBeta && parsed.betaEnd !== undefined) {
    throw new SdtError('--learn-beta and --beta-end exclude each other: β is either learned or annealed.');
  }
  if ((parsed.annealStart as number) > 0 && parsed.betaEnd === undefined) {
    throw new SdtError('--anneal-start needs --beta-end: it says when β starts to move towards --beta-end.');
  }
  if ((parsed.hardenLr as number) > 0 && !((parsed.annealStart as number) > 0)) {
    throw new SdtError('--harden-lr needs --anneal-start: it sets the learning rate of the hardening phase that --anneal-start begins.');
  }
  return pickOptions(TREE_DEFAULTS, parsed);
}

/**
 * The tree's epochs and batch size fitted to the training rows unless given
 * (src/distill/fitToData.ts); each change is said in a note.
 */
export function fitTreeToData(options: TreeTrainingOptions, dataset: Dataset, parsed: Record<string, unknown>, chosen: (name: string) => boolean): TreeTrainingOptions {
  checkFilterPenalties(options, dataset.inputShape, dataset.name);
  const fitted = fitToData(options, trainingRows(dataset.train.n, options.validation), chosen, parsed.minSteps as number);
  for (const note of fitted.notes) say({ quiet: Boolean(parsed.quiet) }, `note: tree ${note}`);
  return fitted.options;
}
