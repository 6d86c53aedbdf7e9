/** `sdt datasets`: what data is available here, where, and its checksums. */
import { Command } from 'commander';
import { listDatasets } from '../data/datasets.js';
import { common } from './options.js';

export function datasetsCommand(): Command {
  return new Command('datasets')
    .description('list the datasets, where they were found, their sizes, classes and file checksums')
    .addOption(common.dataDir())
    .addOption(common.json())
    .addHelpText('after', '\nExample:\n  sdt datasets\n  sdt datasets --json')
    .action((parsed: { dataDir?: string; json?: boolean }) => {
      const infos = listDatasets({ dataDir: parsed.dataDir });
      if (parsed.json) {
        process.stdout.write(JSON.stringify(infos, null, 1) + '\n');
        return;
      }
      for (const info of infos) {
        if (!info.found) {
          process.stdout.write(`${info.name}: not available — ${info.problem}\n\n`);
          continue;
        }
        process.stdout.write(
          `${info.name}: ${info.trainCount} training / ${info.testCount} test examples in ${info.where}\n` +
            `  classes: ${info.classNames.join(', ')}\n` +
            `  training labels: ${info.trainLabelHistogram.join(', ')}\n` +
            info.files.map((f) => `  ${f.role}: ${f.path}\n    sha256 ${f.sha256}\n`).join('') + '\n',
        );
      }
      process.stdout.write('csv:PATH[#label=COLUMN]: any CSV table with a header or not, the label column by name or index (default: last)\n');
    });
}
