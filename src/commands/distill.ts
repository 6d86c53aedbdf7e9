/** `sdt distill`: the main job (see src/distill/pipeline.ts). */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { CART_DEFAULTS } from '../distill/trainCart.js';
import { comparisonTable, distillConfig, type DistillOptions, runDistill } from '../distill/pipeline.js';
import { withTransferFile } from '../distill/transferFile.js';
import type { Dataset } from '../data/dataset.js';
import { SdtError } from '../errors.js';
import { createProgress } from '../progress.js';
import { checkOutFolder } from '../runs/files.js';
import { withFolderLock } from '../runs/folderLock.js';
import { alreadyFinished, applyQuick, chosenOptions, dataConfig, defaultRunFolder, note, openDataset, type RunArgs, say, startBackend } from './context.js';
import { common, integerOption, numberOption, trainingRunOptions } from './options.js';
import { addTeacherOptions, teacherForData, teacherOptionsFrom } from './teacher.js';
import { quickSummary } from './quickSummary.js';
import { addTreeOptions, fitTreeToData, treeOptionsFrom } from './treeOptions.js';
import { trainingProgress } from './trainingProgress.js';

/**
 * What --quick changes, unless the option is given explicitly: about a minute on two cores,
 * and a table that reads like the full run's. The teacher sees 10,000 images once (no
 * validation split: one epoch has no best epoch to pick) with small batches, no dropout and
 * a warm-up before its cosine decay, which took it past 97 %; the trees are at depth 4,
 * where soft targets measurably help (results/mnist/study), and CART at the same depth.
 */
export const DISTILL_QUICK: Record<string, number | string> = {
  limit: 10000,
  validation: 0,
  depth: 4,
  epochs: 10,
  cartDepth: 4,
  teacherEpochs: 1,
  teacherBatchSize: 32,
  teacherLr: 2e-3,
  teacherDropout: 0,
  teacherSchedule: 'warmup-cosine',
};

/** The settings as command-line flags, as the help and the README give them. */
export const quickFlags = () => Object.entries(DISTILL_QUICK).map(([name, value]) => `--${name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} ${value}`).join(' ');

/** Besides these, the tree's and the teacher's options (treeOptions.ts, teacher.ts). */
interface DistillArgs extends RunArgs, Record<string, unknown> {
  teacher?: string;
  temperature: number;
  alpha: number;
  cartDepth: number;
  jobs: number;
  quick?: boolean;
}

export function distillCommand(): Command {
  const command = trainingRunOptions(new Command('distill'))
    .description('the main job: train (or reuse) the teacher (CNN for images, MLP for tables), the baseline tree on hard labels, the distilled tree on the teacher\'s soft targets and CART; compare them')
    .addOption(common.out('the job (teacher/, baseline/, distilled/, cart/, comparison.md)'))
    .option('--teacher <dir>', 'reuse this teacher run folder instead of training one')
    .option('--resume <dir>', 'continue an interrupted job in this folder (give the options it was started with)')
    .addOption(numberOption('--temperature <T>', 'temperature of the soft targets softmax(z/T)', 0.05, 100, 4))
    .addOption(numberOption('--alpha <α>', 'weight of the hard labels mixed into the soft targets (soft term scaled by T²)', 0, 1, 0.5))
    .addOption(integerOption('--cart-depth <n>', 'maximum depth of the CART baseline (0: unlimited)', 0, 64, CART_DEFAULTS.maxDepth))
    .addOption(integerOption('--jobs <n>', 'tree stages trained side by side, each in its own process on one wasm thread (1: one after another)', 1, 64, Math.max(1, Math.min(4, availableParallelism()))))
    .option('--quick', `the same pipeline on a small subset in about a minute on two idle cores (${quickFlags()})`)
    .addOption(common.force())
    .addOption(common.json())
    .addOption(common.quiet())
    .addHelpText('after', '\nExample:\n  sdt distill                       # MNIST, depth 8: the paper\'s table\n  sdt distill --quick               # about a minute: a first look\n  sdt distill --teacher runs/teacher-mnist --temperature 2 --out runs/t2\n  sdt distill --teacher runs/teacher-mnist --transfer unlabelled-images-idx3-ubyte.gz --out runs/more');
  addTreeOptions(command);
  addTeacherOptions(command, 'teacher');
  return command.action(async (parsed: DistillArgs, self: Command) => {
    if (parsed.quick) applyQuick(self, parsed, DISTILL_QUICK);
    const quiet = Boolean(parsed.quiet);
    const chosen = chosenOptions(self, parsed, DISTILL_QUICK);
    const out = checkOutFolder(parsed.resume ?? parsed.out ?? defaultRunFolder('distill', parsed.dataset));
    if (parsed.resume && !['teacher', 'baseline', 'distilled'].some((stage) => existsSync(join(parsed.resume!, stage)))) {
      throw new SdtError(`${parsed.resume} holds no distill job to resume (no teacher/, baseline/ or distilled/ folder).`);
    }
    await withFolderLock(out, async () => {
      const backend = await startBackend({ backend: parsed.backend, quiet });
      const dataset = openDataset({ ...parsed, seed: parsed.seed as number, quiet });
      // A transfer file is read and checked now, before any stage writes.
      const tree = await withTransferFile(fitTreeToData(treeOptionsFrom(parsed), dataset, parsed, chosen), dataset, { folder: out, say: (line) => say({ quiet }, line) });
      // A given teacher is used as it is; its options only describe one trained here.
      const teacher = teacherForData(teacherOptionsFrom(parsed, 'teacher'), dataset, parsed.teacher ? { ...parsed, quiet: true } : parsed, chosen, 'teacher');
      const options: DistillOptions = {
        teacher,
        teacherFolder: parsed.teacher,
        tree,
        temperature: parsed.temperature,
        alpha: parsed.alpha,
        cart: { ...CART_DEFAULTS, maxDepth: parsed.cartDepth },
        resume: Boolean(parsed.resume),
        jobs: parsed.jobs,
        source: { spec: parsed.dataset, dataDir: parsed.dataDir, limit: parsed.limit, seed: tree.seed },
        force: Boolean(parsed.force),
      };
      const baseConfig = { ...dataConfig(dataset, parsed), seed: tree.seed };
      if (alreadyFinished(out, 'distill', distillConfig(options, baseConfig), dataset.files, parsed)) return;
      const { rows, stageSeconds } = await runDistill(dataset, options, out, backend, baseConfig, {
        say: (line) => say({ quiet }, line),
        progress: (label, epochs) => trainingProgress(label, epochs, quiet),
        bar: (label, total) => createProgress(label, total, process.stderr, quiet),
      });
      if (parsed.json) process.stdout.write(JSON.stringify({ run: out, rows, stageSeconds }) + '\n');
      else process.stdout.write(`${comparisonTable(rows)}\n\n${parsed.quick ? quickLine(dataset, options) + '\n\n' : ''}wrote ${out}\n`);
    }, { say: note });
  });
}

const quickLine = (dataset: Dataset, options: DistillOptions) =>
  quickSummary({
    dataset: dataset.name,
    trainImages: dataset.train.n,
    testImages: dataset.test.n,
    teacherEpochs: options.teacherFolder ? null : options.teacher.epochs,
    depth: options.tree.depth,
    treeEpochs: options.tree.epochs,
  });
