/** Writes a trained tree's run folder: manifest.json, metrics.json and the model file. */
import { join } from 'node:path';
import { removeCheckpoint } from '../distill/checkpoint.js';
import type { TrainedTree } from '../distill/trainTree.js';
import { ensureFolder, writeJsonAtomic } from './files.js';
import type { Manifest } from './manifest.js';

export const TREE_MODEL_NAME = 'tree.json.gz';

export function treeMetrics(tree: TrainedTree) {
  return {
    test: tree.test,
    parameters: tree.parameters,
    bestEpoch: tree.training.bestEpoch,
    trainingSeconds: tree.training.seconds,
    history: tree.training.history,
  };
}

export function writeTreeRun(folder: string, manifest: Manifest, tree: TrainedTree): void {
  ensureFolder(folder);
  writeJsonAtomic(join(folder, TREE_MODEL_NAME), tree.file);
  writeJsonAtomic(join(folder, 'metrics.json'), treeMetrics(tree));
  // The manifest goes last: a folder with a manifest is a finished run, and only then is
  // its checkpoint no longer needed.
  writeJsonAtomic(join(folder, 'manifest.json'), manifest);
  removeCheckpoint(folder);
}
