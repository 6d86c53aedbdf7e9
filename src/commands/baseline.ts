/** `sdt baseline`: the soft decision tree trained on hard labels (the paper's baseline tree). */
import { Command } from 'commander';
import { featureCount } from '../data/dataset.js';
import { isTransferFile, unlabelledForLabels } from '../distill/transferFile.js';
import { labelTargets, trainTree } from '../distill/trainTree.js';
import { writeTreeRun } from '../distill/treeRun.js';
import { TREE_MODEL_NAME } from '../models/treeFile.js';
import { checkOutFolder } from '../runs/files.js';
import { createManifest } from '../runs/manifest.js';
import { withFolderLock } from '../runs/folderLock.js';
import { alreadyFinished, dataConfig, defaultRunFolder, note, openDataset, type RunArgs, say, startBackend } from './context.js';
import { common, trainingRunOptions } from './options.js';
import { resumedOptions } from './resume.js';
import { trainingProgress } from './trainingProgress.js';
import { addTreeOptions, fitTreeToData, treeOptionsFrom } from './treeOptions.js';

export function baselineCommand(): Command {
  const command = trainingRunOptions(new Command('baseline'))
    .description('train a soft decision tree on the hard labels (the paper\'s baseline tree)')
    .addOption(common.out('the run (manifest.json, metrics.json, tree.json.gz)'))
    .addOption(common.resume())
    .addOption(common.force())
    .addOption(common.json())
    .addOption(common.quiet())
    .addHelpText('after', '\nExample:\n  sdt baseline --depth 8 --epochs 25 --out runs/baseline-d8\n  sdt baseline --limit 2000 --depth 4 --epochs 3   # a quick try\n  sdt baseline --resume runs/baseline-d8            # continue after Ctrl-C');
  addTreeOptions(command);
  return command.action(async (given: Record<string, unknown>, self: Command) =>
    runBaseline(
      (given.resume ? resumedOptions(self, given, given.resume as string) : given) as RunArgs & Record<string, unknown>,
      // A resumed run's options are its recorded ones, already fitted to the data.
      (name) => Boolean(given.resume) || self.getOptionValueSource(name) === 'cli',
    ));
}

async function runBaseline(parsed: RunArgs & Record<string, unknown>, chosen: (name: string) => boolean): Promise<void> {
  const quiet = Boolean(parsed.quiet);
  if (isTransferFile(parsed.transfer as string)) throw unlabelledForLabels(parsed.transfer as string);
  const out = checkOutFolder(parsed.out ?? defaultRunFolder('baseline', parsed.dataset));
  await withFolderLock(out, async () => {
    const backend = await startBackend({ backend: parsed.backend, quiet });
    const dataset = openDataset({ ...parsed, seed: parsed.seed as number, quiet });
    const options = fitTreeToData(treeOptionsFrom(parsed), dataset, parsed, chosen);
    const K = dataset.classNames.length;
    const config = { ...dataConfig(dataset, parsed), ...options };
    if (alreadyFinished(out, 'baseline', config, dataset.files, parsed)) return;
    say({ quiet }, `training a depth-${options.depth} soft tree on ${featureCount(dataset)} inputs, ${K} classes, hard labels`);
    const tree = await trainTree(dataset, labelTargets(dataset.train.y, K), options, trainingProgress('baseline', options.epochs, quiet), {
      folder: out, config, resume: Boolean(parsed.resume), resumeHint: `sdt baseline --resume ${out}`,
    });
    writeTreeRun(out, createManifest('baseline', config, backend, dataset.files), tree);
    const result = {
      run: out,
      model: `${out}/${TREE_MODEL_NAME}`,
      maxPathAccuracy: tree.test.maxPathAccuracy,
      mixtureAccuracy: tree.test.mixtureAccuracy,
      leavesUsed: tree.test.leavesUsed,
      trainingSeconds: tree.training.seconds,
    };
    if (parsed.json) process.stdout.write(JSON.stringify(result) + '\n');
    else {
      process.stdout.write(
        `test accuracy: max-path ${(result.maxPathAccuracy * 100).toFixed(2)} %, mixture ${(result.mixtureAccuracy * 100).toFixed(2)} % ` +
          `(${result.leavesUsed} leaves used, best epoch ${tree.training.bestEpoch}, ${result.trainingSeconds.toFixed(0)} s)\nwrote ${out}\n`,
      );
    }
  }, { say: note });
}
