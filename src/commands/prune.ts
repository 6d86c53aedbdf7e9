/** `sdt prune`: a smaller tree (sdt-tree/2) with the same max-path answer on every training and test example. */
import { Command, Option } from 'commander';
import { SdtError } from '../errors.js';
import { pruneTree } from '../models/prune.js';
import { readTreeFile } from '../models/treeFile.js';
import { createTreePredictor } from '../models/treePredictor.js';
import { writeJsonAtomic } from '../runs/files.js';
import { withFolderLock } from '../runs/folderLock.js';
import { createManifest } from '../runs/manifest.js';
import { checkModelFitsData } from './checks.js';
import { note, openDataset, say, trainedOn } from './context.js';
import { common } from './options.js';

interface PruneOptions {
  model: string;
  out: string;
  dataset?: string;
  dataDir?: string;
  limit?: number;
  json?: boolean;
  quiet?: boolean;
}

/** The manifest beside the pruned file: tree.json.gz → tree.manifest.json. */
export const pruneManifestPath = (out: string) => out.replace(/\.json(\.gz)?$/i, '') + '.manifest.json';

export async function runPrune(o: PruneOptions): Promise<void> {
  if (!/\.json(\.gz)?$/i.test(o.out)) throw new SdtError(`--out ${o.out} must name a .json or .json.gz file.`);
  const file = readTreeFile(o.model);
  const trained = trainedOn(file.training);
  const quiet = { quiet: o.quiet || o.json };
  const dataset = openDataset({ dataset: o.dataset ?? trained.dataset ?? 'mnist', dataDir: o.dataDir, limit: o.limit, seed: trained.seed, ...quiet });
  checkModelFitsData(o.model, file.inputShape, file.classNames.length, dataset);
  const splits = [dataset.train, dataset.test];
  let result: ReturnType<typeof pruneTree>;
  try {
    result = pruneTree(file, splits);
  } catch (error) {
    if (error instanceof RangeError) throw new SdtError(`model ${o.model} cannot be pruned: ${error.message}.`);
    throw error;
  }
  // The promise, checked: the same max-path class on every example the pruning saw.
  const [before, after] = [createTreePredictor(file), createTreePredictor(result.file)];
  const F = before.features;
  for (const [name, split] of [['training', dataset.train], ['test', dataset.test]] as const) {
    for (let e = 0; e < split.n; e++) {
      const x = split.x.subarray(e * F, (e + 1) * F);
      if (before.predict(x).maxPathClass !== after.predict(x).maxPathClass) throw new SdtError(`pruning ${o.model} changed the max-path class of ${name} example ${e}; nothing was written.`);
    }
  }
  writeJsonAtomic(o.out, result.file);
  const backend = { name: 'cpu' as const, reason: 'pruning runs the pure TypeScript predictor (src/models/treePredictor.ts), not TensorFlow.js' };
  writeJsonAtomic(pruneManifestPath(o.out), createManifest('prune', { model: o.model, modelChecksum: file.checksum ?? null, dataset: dataset.name, limit: o.limit ?? null, seed: trained.seed, stats: result.stats }, backend, dataset.files));
  const s = result.stats;
  if (o.json) {
    process.stdout.write(JSON.stringify({ out: o.out, ...s }) + '\n');
    return;
  }
  say({}, `checked: the same max-path class on all ${s.examples} training and test examples; ${s.leavesUnused} of ${s.leavesBefore} leaves are no example's max leaf`);
  process.stdout.write(
    `nodes ${s.nodesBefore} → ${s.nodesAfter} (leaves ${s.leavesBefore} → ${s.leavesAfter}, depth ${s.depthBefore} → ${s.depthAfter}); ` +
      `${s.unreached} subtrees no example's max path ends in and ${s.singleClass} single-class subtrees became leaves\nwrote ${o.out}\n`,
  );
}

export function pruneCommand(): Command {
  return new Command('prune')
    .description('drop the subtrees no example needs and collapse single-class subtrees, keeping every training and test example\'s max-path class; writes sdt-tree/2')
    .requiredOption('--model <path>', 'an sdt-tree/1 or /2 file')
    .requiredOption('--out <file>', 'the pruned tree to write (.json or .json.gz); its manifest goes beside it (NAME.manifest.json)')
    .addOption(common.dataset().default(undefined, 'the dataset the model was trained on'))
    .addOption(common.dataDir())
    .addOption(common.limit())
    .addOption(new Option('--json', 'print the node counts as JSON'))
    .addOption(common.quiet())
    .addHelpText('after', '\nExample:\n  sdt prune --model results/mnist/distill/distilled/tree.json.gz --out pruned.json.gz')
    // The output's lock: another prune writing the same file is refused at once.
    .action(async (parsed: PruneOptions) => withFolderLock(parsed.out, () => runPrune(parsed), { say: note }));
}
