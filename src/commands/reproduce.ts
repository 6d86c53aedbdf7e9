/** `sdt reproduce MANIFEST`: make a run again from its manifest and compare, metric by metric. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { checkSameData, reproduceRun, REPRODUCIBLE } from '../distill/reproduce.js';
import { readStageMetrics } from '../distill/stages.js';
import { SdtError } from '../errors.js';
import { comparisonLines, compareMetrics } from '../eval/compareMetrics.js';
import { checkOutFolder, writeJsonAtomic } from '../runs/files.js';
import { withFolderLock } from '../runs/folderLock.js';
import { readManifest, SDT_COMMIT } from '../runs/manifest.js';
import { defaultRunFolder, note, openDataset, say, startBackend } from './context.js';
import { common, numberOption } from './options.js';
import { trainingProgress } from './trainingProgress.js';

/** The run folder a MANIFEST argument names: the folder itself, or the folder of a manifest.json. */
function runFolderOf(path: string): string {
  if (!existsSync(path)) throw new SdtError(`${path} does not exist.`);
  return statSync(path).isDirectory() ? path : dirname(path);
}

export function reproduceCommand(): Command {
  return new Command('reproduce')
    .description(`make a run (${REPRODUCIBLE.join(', ')}) again from its manifest and compare the new metrics with the recorded ones`)
    .argument('<manifest>', 'a run\'s manifest.json, or its folder')
    .addOption(common.out('the new run'))
    .addOption(numberOption('--tolerance <share>', 'largest accepted change of an accuracy (0.002 = 0.2 percentage points)', 0, 1, 0.002))
    .addOption(common.dataDir())
    .addOption(common.backend())
    .addOption(common.force())
    .addOption(common.json())
    .addOption(common.quiet())
    .addHelpText('after', [
      '',
      'Exits with status 1 when a metric differs beyond the tolerance. Run it again with the',
      'same --out to continue an interrupted reproduction.',
      '',
      'Example:',
      '  sdt reproduce results/mnist/cart-d8/manifest.json',
      '  sdt reproduce results/mnist/study/d4-hard-s1 --out runs/again --tolerance 0.005',
    ].join('\n'))
    .action(async (path: string, parsed: { out?: string; force?: boolean; tolerance: number; dataDir?: string; backend?: string; json?: boolean; quiet?: boolean }) => {
      const quiet = Boolean(parsed.quiet);
      const folder = runFolderOf(path);
      const manifest = readManifest(folder);
      if (!REPRODUCIBLE.includes(manifest.command)) {
        throw new SdtError(`${join(folder, 'manifest.json')} describes a ${manifest.command} of several runs; reproduce one of them (its ${REPRODUCIBLE.join(', ')} folders each hold a manifest.json).`);
      }
      const recorded = readStageMetrics(folder);
      const out = checkOutFolder(parsed.out ?? defaultRunFolder(`reproduce-${manifest.command}`, String(manifest.config.dataset)));
      await withFolderLock(out, async () => {
        const backend = await startBackend({ backend: parsed.backend, quiet });
        const config = manifest.config as { dataset: string; limit?: number | null; seed: number };
        const dataset = openDataset({ dataset: config.dataset, limit: config.limit ?? undefined, seed: config.seed, dataDir: parsed.dataDir, quiet });
        checkSameData(manifest, dataset, join(folder, 'manifest.json'));
        if (manifest.backend.name !== backend.name) say({ quiet }, `note: the run was made on the ${manifest.backend.name} backend, this one runs on ${backend.name}`);
        // Another version may add in another order: the same method, other last bits, another trajectory.
        const madeBy = manifest.versions.sdtCommit;
        const otherCode = madeBy && SDT_COMMIT && madeBy !== SDT_COMMIT ? madeBy : null;
        if (otherCode) say({ quiet }, `note: the run was made by sdt at commit ${otherCode}, this is ${SDT_COMMIT}`);
        const fresh = await reproduceRun(manifest, dataset, out, backend, { say: (line) => say({ quiet }, line), progress: (label, epochs) => trainingProgress(label, epochs, quiet) }, Boolean(parsed.force));
        const rows = compareMetrics(recorded, fresh, parsed.tolerance);
        writeJsonAtomic(join(out, 'reproduction.json'), { of: folder, tolerance: parsed.tolerance, rows });
        const differing = rows.filter((r) => !r.agrees);
        if (parsed.json) process.stdout.write(JSON.stringify({ of: folder, run: out, tolerance: parsed.tolerance, rows }) + '\n');
        else process.stdout.write(`${comparisonLines(rows)}\n\nwrote ${out}\n`);
        if (differing.length) {
          throw new SdtError(
            `${differing.map((r) => r.metric).join(', ')} of ${folder} differ${differing.length === 1 ? 's' : ''} beyond the tolerance ${parsed.tolerance} (see the table above).`,
            otherCode ? `It was made by sdt at commit ${otherCode}: check out commit ${otherCode.replace('+dirty', '')} to reproduce it exactly.` : undefined,
          );
        }
      }, { say: note });
    });
}
