/** `sdt teacher`: trains the teacher (CNN for images, MLP for tables) and saves it in TensorFlow.js's layers format. */
import { Command } from 'commander';
import type { AugmentStrength } from '../data/augment.js';
import type { Dataset } from '../data/dataset.js';
import { fitToData, MIN_STEPS, trainingRows } from '../distill/fitToData.js';
import { CNN_MIN_STEPS, CNN_TEACHER_DEFAULTS, MLP_HIDDEN, TEACHER_DEFAULTS, TEACHER_WARMUP, trainTeacher, type TeacherOptions, withWarmup } from '../distill/trainTeacher.js';
import { defaultTeacherArch, type TeacherArch } from '../models/teacher.js';
import { pickOptions } from '../pickOptions.js';
import { checkOutFolder } from '../runs/files.js';
import { withFolderLock } from '../runs/folderLock.js';
import { requireImageData } from './checks.js';
import { alreadyFinished, dataConfig, defaultRunFolder, note, openDataset, type RunArgs, say, startBackend } from './context.js';
import { augmentOption, choiceOption, common, integerOption, listOption, numberOption, trainingRunOptions } from './options.js';
import { resumedOptions } from './resume.js';
import { trainingProgress } from './trainingProgress.js';

export function addTeacherOptions(command: Command, prefix = ''): Command {
  const [d, c] = [TEACHER_DEFAULTS, CNN_TEACHER_DEFAULTS];
  const p = prefix ? `${prefix}-` : '';
  const what = prefix ? 'teacher ' : '';
  return command
    .addOption(choiceOption(`--${p}arch <name>`, `${what}architecture (default: cnn for images, mlp for tables)`, ['cnn', 'mlp']))
    .addOption(listOption(`--${p}hidden <sizes>`, `${what}MLP hidden layer sizes`, 1, 65536, MLP_HIDDEN, true))
    .addOption(integerOption(`--${p}epochs <n>`, `${what}training epochs (default: ${c.epochs} for the CNN, ${d.epochs} for the MLP; unless given, raised to reach --${p}min-steps)`, 1, 100000))
    .addOption(integerOption(`--${p}batch-size <n>`, `${what}examples per batch (default: ${c.batchSize} for the CNN, ${d.batchSize} for the MLP; unless given, at most a tenth of the training examples, at least 16)`, 1, 65536))
    .addOption(integerOption(`--${p}min-steps <n>`, `${what}fewest optimisation steps when --${p}epochs is not given (default: ${CNN_MIN_STEPS} for the CNN, ${MIN_STEPS} for the MLP)`, 0, 10_000_000))
    .addOption(numberOption(`--${p}lr <rate>`, `${what}learning rate (Adam) (default: ${c.lr} for the CNN, ${d.lr} for the MLP)`, 1e-7, 10))
    .addOption(choiceOption(`--${p}schedule <name>`, `${what}learning-rate schedule (default: ${c.schedule} for the CNN, ${d.schedule} for the MLP)`, ['constant', 'cosine', 'warmup-cosine']))
    .addOption(numberOption(`--${p}warmup <share>`, `${what}share of training that warms the learning rate up from 0 (warmup-cosine only)`, 0, 0.9, TEACHER_WARMUP))
    .addOption(numberOption(`--${p}dropout <rate>`, `${what}dropout before the CNN's dense layer, after each MLP hidden layer (default: ${c.dropout} for the CNN, ${d.dropout} for the MLP)`, 0, 0.9))
    .addOption(integerOption(`--${p}patience <epochs>`, `${what}early-stopping patience (0: never stop early)`, 0, 1000, d.patience))
    .addOption(augmentOption(`--${p}augment [strength]`, `${what}training images distorted afresh every epoch (images only)`));
}

export function teacherOptionsFrom(parsed: Record<string, unknown>, prefix = ''): TeacherOptions {
  // The split and the seed are the run's, shared with the tree in distill and study.
  const shared = ['validation', 'seed'];
  const key = (name: string) => (prefix && !shared.includes(name) ? prefix + name[0].toUpperCase() + name.slice(1) : name);
  const options = withWarmup(pickOptions(TEACHER_DEFAULTS, parsed, key), parsed[key('warmup')]);
  // Present only when given, so an unaugmented teacher's configuration reads as it did before it existed.
  const augment = parsed[key('augment')] as AugmentStrength | undefined;
  return augment ? { ...options, augment } : options;
}

/**
 * The options for this dataset: the architecture (chosen, or the CNN for images and the MLP
 * for tables), the CNN's recipe in every setting not given, and the epochs and batch size
 * fitted to the data unless given.
 */
export function teacherForData(options: TeacherOptions, dataset: Dataset, parsed: Record<string, unknown>, chosen: (name: string) => boolean, prefix = ''): TeacherOptions {
  const key = (name: string) => (prefix ? prefix + name[0].toUpperCase() + name.slice(1) : name);
  const flag = prefix ? `--${prefix}-` : '--';
  const arch = (parsed[key('arch')] as TeacherArch | undefined) ?? defaultTeacherArch(dataset.inputShape);
  if (arch === 'cnn') requireImageData(dataset, `${flag}arch mlp`);
  const recipe = arch === 'cnn' ? cnnRecipe(options, (name) => chosen(key(name)), parsed[key('warmup')]) : options;
  const minSteps = (parsed[key('minSteps')] as number | undefined) ?? (arch === 'cnn' ? CNN_MIN_STEPS : MIN_STEPS);
  const fitted = fitToData(recipe, trainingRows(dataset.train.n, recipe.validation), (name) => chosen(key(name)), minSteps, flag);
  for (const note of fitted.notes) say({ quiet: Boolean(parsed.quiet) }, `note: teacher ${note}`);
  return arch === 'mlp' ? { ...fitted.options, arch, hidden: parsed[key('hidden')] as number[] } : fitted.options;
}

/** The CNN's recipe (CNN_TEACHER_DEFAULTS) in every setting of `options` the user did not choose. */
function cnnRecipe(options: TeacherOptions, chosen: (name: string) => boolean, warmup: unknown): TeacherOptions {
  const unchosen = Object.entries(CNN_TEACHER_DEFAULTS).filter(([name]) => !chosen(name));
  return withWarmup({ ...options, ...Object.fromEntries(unchosen) }, warmup);
}

export function teacherCommand(): Command {
  const command = trainingRunOptions(new Command('teacher'))
    .description('train the teacher (images: CNN conv 5×5×32 → pool → conv 5×5×64 → pool → dense; tables: MLP, --hidden 256,256) and save it in TensorFlow.js format')
    .addOption(common.out('the teacher run (model.json, weights.bin, manifest.json, metrics.json)'))
    .addOption(numberOption('--validation <share>', 'share of the training set held out for validation', 0, 0.5, TEACHER_DEFAULTS.validation))
    .addOption(common.resume())
    .addOption(common.force())
    .addOption(common.json())
    .addOption(common.quiet())
    .addHelpText('after', '\nExample:\n  sdt teacher --out runs/teacher-mnist\n  sdt teacher --dataset csv:letter-recognition.csv --out runs/teacher-letter   # an MLP\n  sdt teacher --augment --epochs 6 --out runs/teacher-augmented   # distorted images every epoch\n  sdt teacher --limit 2000 --epochs 1   # a quick try\n  sdt teacher --resume runs/teacher-mnist   # continue after Ctrl-C');
  addTeacherOptions(command);
  return command.action(async (given: Record<string, unknown>, self: Command) => {
    const parsed = (given.resume ? resumedOptions(self, given, given.resume as string) : given) as RunArgs & Record<string, unknown>;
    const quiet = Boolean(parsed.quiet);
    const out = checkOutFolder(parsed.out ?? defaultRunFolder('teacher', parsed.dataset));
    await withFolderLock(out, async () => {
      const backend = await startBackend({ backend: parsed.backend, quiet });
      const dataset = openDataset({ ...parsed, seed: parsed.seed as number, quiet });
      // A resumed run's options are its recorded ones, already fitted to the data.
      const options = teacherForData(teacherOptionsFrom(parsed), dataset, parsed, (name) => Boolean(given.resume) || self.getOptionValueSource(name) === 'cli');
      const baseConfig = { ...dataConfig(dataset, parsed), seed: options.seed };
      if (alreadyFinished(out, 'teacher', { ...baseConfig, ...options }, dataset.files, parsed)) return;
      const teacher = await trainTeacher(
        dataset, options, out, backend, baseConfig,
        trainingProgress('teacher', options.epochs, quiet), { resume: Boolean(parsed.resume), resumeHint: `sdt teacher --resume ${out}` });
      const result = { run: out, testAccuracy: teacher.testAccuracy, parameters: teacher.parameters, trainingSeconds: teacher.seconds };
      process.stdout.write(parsed.json ? JSON.stringify(result) + '\n'
        : `teacher test accuracy ${(teacher.testAccuracy * 100).toFixed(2)} % (${teacher.parameters} parameters, ${teacher.seconds.toFixed(0)} s)\nwrote ${out}\n`);
    }, { say: note });
  });
}
