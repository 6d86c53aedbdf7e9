/** Writes a trained tree's run folder: the model file, metrics.json and manifest.json. */
import { join } from 'node:path';
import { TREE_MODEL_NAME } from '../models/treeFile.js';
import { ensureFolder, writeJsonAtomic } from '../runs/files.js';
import type { Manifest } from '../runs/manifest.js';
import { finishRun } from '../runs/runFolder.js';
import type { TrainedTree } from './trainTree.js';

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
  finishRun(folder, treeMetrics(tree), manifest);
}
