/** `sdt explain`: the tree as SVG (PNG, interactive HTML), and why it decided one example. */
import { mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Command, Option } from 'commander';
import { writeFileAtomic } from '../atomicWrite.js';
import { imageShape, readInputFile } from '../data/inputFile.js';
import { SdtError } from '../errors.js';
import { readTreeFile, type TreeFile } from '../models/treeFile.js';
import { createTreePredictor } from '../models/treePredictor.js';
import { treeStructure } from '../models/treeStructure.js';
import { counterfactualSummary, drawExplanation, explain, type DrawOptions, type Explanation } from '../../viz/index.js';
import { withFolderLock } from '../runs/folderLock.js';
import { checkModelFitsData } from './checks.js';
import { COUNTERFACTUAL_BUDGET, counterfactualJson, type CounterfactualOptions, searchCounterfactual } from './counterfactual.js';
import { note, openDataset, say, trainedOn, warnOtherData } from './context.js';
import { common, integerOption } from './options.js';

interface ExplainOptions extends CounterfactualOptions {
  model: string;
  out: string;
  dataset?: string;
  dataDir?: string;
  limit?: number;
  seed?: number;
  levels?: number;
  root?: number;
  index?: number;
  input?: string;
  pathOnly?: boolean;
  png?: boolean;
  html?: boolean;
  examples: number;
  topFeatures: number;
  json?: boolean;
  quiet?: boolean;
}

function checkOptions(o: ExplainOptions): void {
  if (!/\.svg$/i.test(o.out)) throw new SdtError(`--out ${o.out} must name an .svg file (the PNG and HTML go beside it).`);
  if (o.index !== undefined && o.input !== undefined) throw new SdtError('--index and --input both name an example to explain; give one.');
  if (o.pathOnly && o.index === undefined && o.input === undefined) throw new SdtError('--path-only needs an example to explain: add --index N or --input FILE.');
  if (o.counterfactual !== undefined && o.index === undefined && o.input === undefined) throw new SdtError('--counterfactual needs an example to change: add --index N or --input FILE.');
  if (o.counterfactual === undefined && (o.sparse || o.budget !== undefined)) throw new SdtError(`${o.sparse ? '--sparse' : '--budget'} sets up a counterfactual search: add --counterfactual CLASS or --counterfactual auto.`);
}

function checkRoot(file: TreeFile, model: string, root: number | undefined): void {
  const { inner, leaves } = treeStructure(file);
  const last = inner + leaves - 1;
  if (root !== undefined && root > last) throw new SdtError(`--root ${root} is not a node of ${model}, a depth-${file.depth} tree with nodes 0–${last}.`);
}

export async function runExplain(o: ExplainOptions): Promise<void> {
  checkOptions(o);
  const file = readTreeFile(o.model);
  checkRoot(file, o.model, o.root);
  const trained = trainedOn(file.training);
  const dataset = openDataset({ dataset: o.dataset ?? trained.dataset ?? 'mnist', dataDir: o.dataDir, limit: o.limit, seed: o.seed ?? trained.seed, quiet: o.quiet || o.json });
  warnOtherData(o.model, trained.dataset, dataset.name);
  checkModelFitsData(o.model, file.inputShape, file.classNames.length, dataset);
  const predictor = createTreePredictor(file);
  const F = predictor.features;

  let explanation: Explanation | undefined;
  let inputNote: string | undefined;
  if (o.index !== undefined) {
    if (o.index >= dataset.test.n) throw new SdtError(`--index ${o.index} is outside the ${dataset.name} test set (examples 0–${dataset.test.n - 1}).`);
    const x = dataset.test.x.slice(o.index * F, (o.index + 1) * F);
    explanation = explain(file, predictor, x, `test example ${o.index}`, dataset.test.y[o.index]);
  } else if (o.input !== undefined) {
    const input = await readInputFile(o.input, F, imageShape(file.inputShape));
    inputNote = input.note;
    if (input.note) say({ quiet: o.quiet || o.json }, `input: ${input.note}`);
    explanation = explain(file, predictor, predictor.preprocess(input.raw), basename(o.input));
  }

  let counterfactual: DrawOptions['counterfactual'];
  if (o.counterfactual !== undefined && explanation) counterfactual = searchCounterfactual({ ...o, counterfactual: o.counterfactual }, file, predictor, dataset, explanation);

  const { files: outputs, treeNodesDrawn: drawn, counterfactual: changed } = drawExplanation(file, predictor, dataset.test, explanation, {
    ...o, model: basename(o.model), dataset: dataset.name, initial: o.index, inputNote, counterfactual,
  });
  try {
    mkdirSync(dirname(o.out), { recursive: true });
  } catch (error) {
    throw new SdtError(`cannot create the folder of ${o.out}: ${(error as Error).message.replace(/^[A-Z]+: /, '')}.`);
  }
  for (const [path, data] of outputs) writeFileAtomic(path, data);

  const beside = (ext: string) => o.out.replace(/\.svg$/i, ext);
  if (o.json) {
    process.stdout.write(JSON.stringify({
      svg: o.out,
      ...(o.png ? { png: beside('.png') } : {}),
      ...(o.html ? { html: beside('.html') } : {}),
      treeNodesDrawn: drawn,
      ...(explanation ? {
        explanation: {
          source: explanation.source,
          leaf: explanation.prediction.leaf,
          path: explanation.path,
          answer: file.classNames[explanation.prediction.maxPathClass],
          ...(explanation.label === undefined ? {} : { label: file.classNames[explanation.label] }),
          pathProbability: explanation.pathProbability,
        },
      } : {}),
      ...(changed ? { counterfactual: counterfactualJson(changed) } : {}),
    }) + '\n');
    return;
  }
  if (explanation) {
    const truth = explanation.label === undefined ? '' : ` (true class ${file.classNames[explanation.label]})`;
    process.stdout.write(`${explanation.source}: max path ${explanation.path.join(' → ')} (leaf ${explanation.prediction.leaf}), answer ${file.classNames[explanation.prediction.maxPathClass]}${truth}\n`);
  }
  if (changed) process.stdout.write(counterfactualSummary(changed) + '\n');
  process.stdout.write(outputs.map(([path]) => `wrote ${path}\n`).join(''));
}

export function explainCommand(): Command {
  return new Command('explain')
    .description('render a soft decision tree as SVG (filters as heatmaps, leaves as class bars), and the max path of one example')
    .requiredOption('--model <path>', 'an sdt-tree/1 or /2 file (.json or .json.gz)')
    .requiredOption('--out <file.svg>', 'the SVG to write (--png and --html write beside it)')
    .addOption(common.dataset().default(undefined, 'the dataset the model was trained on'))
    .addOption(common.dataDir())
    .addOption(integerOption('--limit <n>', 'use only the first n test examples (edge widths, --index, the HTML strip)', 1, 10_000_000))
    .addOption(integerOption('--seed <n>', 'seed of a CSV dataset\'s train/test split (default: the one the model was trained with)', 0, 2 ** 31 - 1))
    .addOption(integerOption('--levels <n>', 'levels of nodes to draw (default: all up to depth 4, else 4)', 1, 17))
    .addOption(integerOption('--root <node>', 'draw the subtree under this node (node numbers as in the model file)', 0, 2 ** 17))
    .addOption(integerOption('--index <n>', 'explain this test example: highlight its max path, show every node on it', 0, 10_000_000))
    .addOption(new Option('--input <file>', 'explain this input: a PNG, JPEG or WebP picture of any size (normalised as MNIST was), or a CSV row of raw feature values'))
    .addOption(new Option('--path-only', 'draw only the explanation (the max path, node by node), not the tree'))
    .addOption(new Option('--png', 'also write a PNG beside the SVG'))
    .addOption(new Option('--html', 'also write an interactive page beside the SVG: draw a digit, open any subtree, filter and click test examples'))
    .addOption(new Option('--counterfactual <class>', 'also find the smallest change to the example (L2, inputs kept in range) that makes its max path end in a leaf of this class (a name or number), or auto: the nearest other class; verified by the predictor'))
    .addOption(new Option('--sparse', 'counterfactual: prefer few changed inputs (adds an L1 term to the L2 change)'))
    .addOption(integerOption('--budget <n>', `counterfactual: most quadratic programs to solve, one candidate leaf at one margin each (default ${COUNTERFACTUAL_BUDGET})`, 1, 1_000_000))
    .addOption(integerOption('--examples <n>', 'test examples in the HTML page\'s strip', 1, 500, 24))
    .addOption(integerOption('--top-features <n>', 'tabular data: features shown per node', 1, 50, 6))
    .addOption(common.json())
    .addOption(common.quiet())
    .addHelpText('after', [
      '', 'Example:',
      '  sdt explain --model results/mnist/baseline-d8/tree.json.gz --out tree.svg --png',
      '  sdt explain --model tree.json.gz --out why-3.svg --index 3 --png',
      '  sdt explain --model tree.json.gz --out digit.svg --input my-digit.png --path-only',
      '  sdt explain --model tree.json.gz --out what-if.svg --index 3 --path-only --counterfactual auto --png',
      '  sdt explain --model tree.json.gz --out tree.svg --root 5 --levels 3 --html',
    ].join('\n'))
    .action(async (parsed: ExplainOptions) => {
      checkOptions(parsed);
      // The SVG's lock: another explain writing the same files is refused at once.
      await withFolderLock(parsed.out, () => runExplain(parsed), { say: note });
    });
}
