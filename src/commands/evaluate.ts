/** `sdt evaluate`: test accuracy, per-class accuracy and confusion matrix of any model sdt writes. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { Dataset } from '../data/dataset.js';
import { argMaxRows } from '../data/rows.js';
import { SdtError } from '../errors.js';
import { accuracy, confusionMatrix, perClassAccuracy } from '../eval/metrics.js';
import { predictCart } from '../models/cartPredict.js';
import { CART_FORMAT, cartFromJson } from '../models/cartFile.js';
import { teacherLogits } from '../models/teacher.js';
import { loadTeacher, TEACHER_MODEL } from '../models/teacherFile.js';
import { parseTreeFile, readModelJson, TREE_FORMAT } from '../models/treeFile.js';
import { createTreePredictor, predictRows } from '../models/treePredictor.js';
import { checkModelFitsData } from './checks.js';
import { openDataset, startBackend, trainedOn } from './context.js';
import { common } from './options.js';

interface Evaluation {
  model: string;
  kind: string;
  dataset: string;
  examples: number;
  accuracy: number;
  mixtureAccuracy?: number;
  perClassAccuracy: number[];
  confusion: number[][];
}

async function predictions(path: string, parsed: Record<string, unknown>): Promise<{ kind: string; dataset: Dataset; predicted: Int32Array; mixture?: Int32Array }> {
  // The data the model was trained on, split as it was.
  const datasetFor = (training?: unknown) => {
    const trained = trainedOn(training);
    return openDataset({
      dataset: (parsed.dataset as string | undefined) ?? trained.dataset ?? 'mnist',
      dataDir: parsed.dataDir as string | undefined,
      limit: parsed.limit as number | undefined,
      seed: trained.seed,
      quiet: Boolean(parsed.quiet),
    });
  };
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory() || path.endsWith(TEACHER_MODEL)) {
    const folder = path.endsWith(TEACHER_MODEL) ? join(path, '..') : path;
    if (!existsSync(join(folder, TEACHER_MODEL))) throw new SdtError(`${path} is a folder without ${TEACHER_MODEL}: not a teacher run.`);
    await startBackend({ backend: parsed.backend as string | undefined, quiet: Boolean(parsed.quiet) });
    const model = await loadTeacher(folder);
    const dataset = datasetFor();
    checkModelFitsData(path, model.inputs[0].shape.slice(1) as number[], model.outputs[0].shape[1] as number, dataset);
    return { kind: 'teacher (CNN)', dataset, predicted: argMaxRows(teacherLogits(model, dataset.test), dataset.classNames.length) };
  }
  const json = readModelJson(path) as { format?: unknown };
  if (json?.format === TREE_FORMAT) {
    const file = parseTreeFile(json, path);
    const dataset = datasetFor(file.training);
    checkModelFitsData(path, file.inputShape, file.classNames.length, dataset);
    const results = predictRows(createTreePredictor(file), dataset.test);
    return { kind: `soft decision tree, depth ${file.depth}`, dataset, predicted: Int32Array.from(results, (r) => r.maxPathClass), mixture: Int32Array.from(results, (r) => r.mixtureClass) };
  }
  if (json?.format !== CART_FORMAT) {
    throw new SdtError(`model file ${path} is not a model sdt wrote (format ${JSON.stringify(json?.format ?? null)}); sdt reads ${TREE_FORMAT}, ${CART_FORMAT} and teacher folders.`);
  }
  const cart = cartFromJson(json, path);
  const dataset = datasetFor(cart.training);
  checkModelFitsData(path, cart.inputShape, cart.classNames.length, dataset);
  return { kind: 'CART', dataset, predicted: predictCart(cart.model, dataset.test.x, dataset.test.n) };
}

export function evaluateCommand(): Command {
  return new Command('evaluate')
    .description('test accuracy (max-path and mixture for soft trees), per-class accuracy and confusion matrix of a model file or teacher folder')
    .requiredOption('--model <path>', 'an sdt-tree/1 or sdt-cart/1 file (.json or .json.gz) or a teacher run folder')
    .addOption(common.dataset().default(undefined, 'the dataset the model was trained on'))
    .addOption(common.dataDir())
    .addOption(common.limit())
    .addOption(common.backend())
    .addOption(common.json())
    .addOption(common.quiet())
    .addHelpText('after', '\nExample:\n  sdt evaluate --model results/mnist/baseline-d8/tree.json.gz\n  sdt evaluate --model runs/teacher-mnist --json')
    .action(async (parsed: Record<string, unknown>) => {
      const path = parsed.model as string;
      if (!existsSync(path)) throw new SdtError(`model ${path} does not exist.`);
      const { kind, dataset, predicted, mixture } = await predictions(path, parsed);
      const K = dataset.classNames.length;
      const confusion = confusionMatrix(predicted, dataset.test.y, K);
      const result: Evaluation = {
        model: path,
        kind,
        dataset: dataset.name,
        examples: dataset.test.n,
        accuracy: accuracy(predicted, dataset.test.y),
        ...(mixture ? { mixtureAccuracy: accuracy(mixture, dataset.test.y) } : {}),
        perClassAccuracy: perClassAccuracy(confusion),
        confusion,
      };
      if (parsed.json) {
        process.stdout.write(JSON.stringify(result) + '\n');
        return;
      }
      const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
      const width = Math.max(...dataset.classNames.map((c) => c.length), 6);
      process.stdout.write(
        `${kind} on the ${dataset.name} test set (${dataset.test.n} examples)\n` +
          `accuracy: ${pct(result.accuracy)}${mixture ? ` (max-path), ${pct(result.mixtureAccuracy!)} (mixture)` : ''}\n\n` +
          `${'class'.padEnd(width)}  accuracy  confusion (rows: true class, columns: predicted)\n` +
          dataset.classNames.map((name, k) => `${name.padEnd(width)}  ${pct(result.perClassAccuracy[k]).padStart(8)}  ${confusion[k].map((c) => String(c).padStart(5)).join('')}`).join('\n') + '\n',
      );
    });
}
