/** `sdt report`: one comparison report (HTML, Markdown, JSON) of run folders. */
import { Command } from 'commander';
import { SdtError } from '../errors.js';
import { checkOutFolder } from '../runs/files.js';
import { withFolderLock } from '../runs/folderLock.js';
import { comparisonMarkdown, writeReport } from '../report/index.js';
import { note, say } from './context.js';
import { common } from './options.js';

export function reportCommand(): Command {
  return new Command('report')
    .description('comparison report (HTML and Markdown) of run folders, mean ± std over seeds')
    .argument('<runDir...>', 'run folders, or folders holding them (a distill job, a study)')
    .addOption(common.out('report.html, report.md, report.json and the SVG figures').makeOptionMandatory())
    .option('--title <text>', 'title of the report', 'sdt report')
    .option('--no-timing', 'do not measure latency and throughput')
    .addOption(common.backend())
    .addOption(common.quiet())
    .addHelpText('after', '\nExample:\n  sdt report results/mnist/distill --out reports/mnist\n  sdt report runs/baseline-s1 runs/baseline-s2 runs/cart --out reports/seeds --no-timing')
    .action(async (inputs: string[], parsed: { out: string; title: string; timing: boolean; backend?: string; quiet?: boolean }) => {
      const quiet = Boolean(parsed.quiet);
      const out = checkOutFolder(parsed.out);
      const { title } = parsed;
      if (title.trim() === '') throw new SdtError('--title must not be empty.');
      const data = await withFolderLock(out, () => writeReport({
        inputs,
        out,
        title,
        timing: parsed.timing !== false,
        backend: parsed.backend,
        say: (line) => say({ quiet }, line),
      }), { say: note });
      process.stdout.write(`${comparisonMarkdown(data)}\n\nwrote ${out}\n`);
    });
}
