/** `sdt export`: a soft tree as ONNX (for onnxruntime and friends) or as one dependency-free ES module. */
import { Command } from 'commander';
import { SdtError } from '../errors.js';
import { treeToModule } from '../models/jsExport.js';
import { treeToOnnx } from '../models/onnxExport.js';
import { readTreeFile } from '../models/treeFile.js';
import { writeFileAtomic } from '../atomicWrite.js';
import { withFolderLock } from '../runs/folderLock.js';
import { note } from './context.js';
import { choiceOption } from './options.js';

const EXTENSIONS: Record<string, RegExp> = { onnx: /\.onnx$/i, js: /\.m?js$/i };

export function exportCommand(): Command {
  return new Command('export')
    .description('write a soft tree (sdt-tree/1 or /2) as an ONNX model (outputs: max-path class, mixture, leaf) or as one dependency-free ES module')
    .requiredOption('--model <path>', 'an sdt-tree/1 or /2 file')
    .addOption(choiceOption('--format <format>', 'onnx or js', ['onnx', 'js']).makeOptionMandatory())
    .requiredOption('--out <file>', 'the file to write (.onnx, or .mjs/.js)')
    .addHelpText('after', [
      '', 'Example:',
      '  sdt export --model results/mnist/distill/distilled/tree.json.gz --format onnx --out tree.onnx',
      '  sdt export --model tree.json.gz --format js --out tree.mjs',
      '', 'Both take the preprocessed input x = raw · scale + offset (the model file\'s preprocessing); the module also exports preprocess(raw).',
    ].join('\n'))
    .action(async (o: { model: string; format: 'onnx' | 'js'; out: string }) => {
      if (!EXTENSIONS[o.format].test(o.out)) throw new SdtError(`--out ${o.out} must end in ${o.format === 'onnx' ? '.onnx' : '.mjs or .js'} for --format ${o.format}.`);
      // The output's lock: another export writing the same file is refused at once.
      await withFolderLock(o.out, () => {
        const file = readTreeFile(o.model);
        writeFileAtomic(o.out, o.format === 'onnx' ? treeToOnnx(file) : treeToModule(file));
      }, { say: note });
      process.stdout.write(`wrote ${o.out}\n`);
    });
}
