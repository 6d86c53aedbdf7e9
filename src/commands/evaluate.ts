/** `sdt evaluate`: test accuracy, per-class accuracy and confusion matrix of any model sdt writes. */
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import type { Dataset } from '../data/dataset.js';
import { SdtError } from '../errors.js';
import type { FilterMeasures } from '../eval/filterMeasures.js';
import { accuracy, confusionMatrix, perClassAccuracy } from '../eval/metrics.js';
import { isTeacherPath, openModel } from '../models/modelFile.js';
import { checkModelFitsData } from './checks.js';
import { openDataset, startBackend, trainedOn, warnOtherData } from './context.js';
import { common } from './options.js';

interface EvaluateArgs {
  model: string;
  dataset?: string;
  dataDir?: string;
  limit?: number;
  backend?: string;
  json?: boolean;
  quiet?: boolean;
}

interface Evaluation {
  model: string;
  kind: string;
  dataset: string;
  examples: number;
  accuracy: number;
  mixtureAccuracy?: number;
  filters?: FilterMeasures;
  perClassAccuracy: number[];
  confusion: number[][];
}

/** The model's predictions on the test split of the data it was trained on, split as it was. */
async function predictions(path: string, parsed: EvaluateArgs): Promise<{ kind: string; filters?: FilterMeasures; dataset: Dataset; predicted: Int32Array; mixture?: Int32Array }> {
  if (isTeacherPath(path)) await startBackend({ backend: parsed.backend, quiet: parsed.quiet });
  const model = await openModel(path);
  const trained = trainedOn(model.training);
  const dataset = openDataset({ dataset: parsed.dataset ?? trained.dataset ?? 'mnist', dataDir: parsed.dataDir, limit: parsed.limit, seed: trained.seed, quiet: parsed.quiet });
  warnOtherData(path, trained.dataset, dataset.name);
  checkModelFitsData(path, model.inputShape, model.classes, dataset);
  return { kind: model.kind, filters: model.filters, dataset, ...model.predictAll(dataset.test) };
}

/** "filters: sparsity 0.31 (Hoyer), 12.0 % of weights near zero, roughness 3.20" (mean over the inner nodes). */
function describeFilters(f: FilterMeasures): string {
  const rough = f.roughness === null ? '' : `, roughness ${f.roughness.toFixed(2)} (Σ neighbours' difference² / Σ w²)`;
  return `filters (mean over inner nodes): sparsity ${f.sparsity.toFixed(3)} (Hoyer), ${(f.nearZero * 100).toFixed(1)} % of weights under 1/100 of their filter's largest${rough}`;
}

export function evaluateCommand(): Command {
  return new Command('evaluate')
    .description('test accuracy (max-path and mixture for soft trees), per-class accuracy and confusion matrix of a model file or teacher folder')
    .requiredOption('--model <path>', 'an sdt-tree/1, sdt-tree/2 or sdt-cart/1 file (.json or .json.gz) or a teacher run folder')
    .addOption(common.dataset().default(undefined, 'the dataset the model was trained on'))
    .addOption(common.dataDir())
    .addOption(common.limit())
    .addOption(common.backend())
    .addOption(common.json())
    .addOption(common.quiet())
    .addHelpText('after', '\nExample:\n  sdt evaluate --model results/mnist/baseline-d8/tree.json.gz\n  sdt evaluate --model runs/teacher-mnist --json')
    .action(async (parsed: EvaluateArgs) => {
      const path = parsed.model;
      if (!existsSync(path)) throw new SdtError(`model ${path} does not exist.`);
      const { kind, filters, dataset, predicted, mixture } = await predictions(path, parsed);
      const K = dataset.classNames.length;
      const confusion = confusionMatrix(predicted, dataset.test.y, K);
      const result: Evaluation = {
        model: path,
        kind,
        dataset: dataset.name,
        examples: dataset.test.n,
        accuracy: accuracy(predicted, dataset.test.y),
        ...(mixture ? { mixtureAccuracy: accuracy(mixture, dataset.test.y) } : {}),
        ...(filters ? { filters } : {}),
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
          `accuracy: ${pct(result.accuracy)}${mixture ? ` (max-path), ${pct(result.mixtureAccuracy!)} (mixture)` : ''}\n` +
          (filters ? `${describeFilters(filters)}\n` : '') +
          '\n' +
          `${'class'.padEnd(width)}  accuracy  confusion (rows: true class, columns: predicted)\n` +
          dataset.classNames.map((name, k) => `${name.padEnd(width)}  ${pct(result.perClassAccuracy[k]).padStart(8)}  ${confusion[k].map((c) => String(c).padStart(5)).join('')}`).join('\n') + '\n',
      );
    });
}
