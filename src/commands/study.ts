/** `sdt study`: the grid of seeds × depths × temperatures × targets (see src/study/). */
import { Command, Option } from 'commander';
import { CART_DEFAULTS } from '../distill/trainCart.js';
import { TRANSFER_KINDS, type TransferKind } from '../distill/transfer.js';
import { SdtError } from '../errors.js';
import { join } from 'node:path';
import { checkOutFolder } from '../runs/files.js';
import { readStageMetrics } from '../distill/stages.js';
import { cellStates, readStudy, statusText } from '../study/cellStates.js';
import { runStudy } from '../study/runStudy.js';
import { parseShard, slurmShard } from '../study/shard.js';
import { writeStudySummary } from '../study/writeSummary.js';
import { applyQuick, chosenOptions, dataConfig, defaultRunFolder, openDataset, type RunArgs, say, startBackend } from './context.js';
import { common, integerOption, listOption, numberOption } from './options.js';
import { addTeacherOptions, teacherForData, teacherOptionsFrom } from './teacher.js';
import { addTreeOptions, fitTreeToData, treeOptionsFrom } from './treeOptions.js';
import { trainingProgress } from './trainingProgress.js';

/** What --quick changes, unless given explicitly: a whole study in a few minutes. */
const QUICK: Record<string, unknown> = { limit: 3000, seeds: 2, depths: [2, 4], temperatures: [1, 4], depth: 4, epochs: 8, teacherEpochs: 2 };

/** Besides these, the tree's and the teacher's options (treeOptions.ts, teacher.ts). */
interface StudyArgs extends RunArgs, Record<string, unknown> {
  seeds: number;
  depths: number[];
  temperatures: number[];
  transfers: TransferKind[];
  temperature: number;
  alpha: number;
  teacher?: string;
  cart?: boolean;
  shard?: string;
  status?: boolean;
  summarize?: boolean;
  quick?: boolean;
}

export function studyCommand(): Command {
  const command = new Command('study')
    .description('grid of seeds, depths and temperatures, hard labels against soft targets, with mean ± std; resumable')
    .addOption(common.dataset())
    .addOption(common.dataDir())
    .addOption(common.limit())
    .addOption(common.backend())
    .addOption(common.out('the study (a run folder per cell, summary.md, summary.json, depth.svg, temperature.svg, report.html, report.md)'))
    .addOption(integerOption('--seeds <n>', 'seeds 1…n of every tree setting', 1, 100, 3))
    .addOption(listOption('--depths <list>', 'tree depths, on hard labels and on soft targets at --temperature', 1, 12, [2, 4, 6, 8, 10]))
    .addOption(listOption('--temperatures <list>', 'temperatures of the soft targets, at --depth', 0.05, 100, [1, 2, 4, 8, 16]))
    .addOption(numberOption('--temperature <T>', 'temperature of the depth sweep\'s soft targets', 0.05, 100, 4))
    .addOption(new Option('--transfers <list>', `transfer sets (comma-separated: ${TRANSFER_KINDS.join(', ')}); each besides train adds labels and soft targets at --depth and --temperature on it`).default(['train'], 'train').argParser((value: string) => {
      const list = value.split(',').map((v) => v.trim());
      const unknown = list.find((v) => !TRANSFER_KINDS.includes(v as TransferKind));
      if (unknown !== undefined) throw new SdtError(`--transfers takes ${TRANSFER_KINDS.join(', ')}, not "${unknown}".`);
      return [...new Set(list)];
    }))
    .addOption(numberOption('--alpha <α>', 'weight of the hard labels mixed into the soft targets (soft term scaled by T²)', 0, 1, 0.5))
    .option('--teacher <dir>', 'use this teacher run folder instead of training one in OUT/teacher')
    .option('--no-cart', 'leave out CART (fitted once per depth)')
    .option('--no-report', 'skip the report (report.html, report.md, report.json) at the end')
    .option('--quick', `a small study in a few minutes (${Object.entries(QUICK).map(([k, v]) => `${k} ${v}`).join(', ')})`)
    .option('--shard <I/N>', 'only cells I, I+N, I+2N, … of the grid (0 ≤ I < N); default: the Slurm array task, if any')
    .option('--status', 'print where every cell of the study in --out stands (done, running where and for how long, pending, failed) and stop')
    .option('--summarize', 'write the summary, plots and report of the cells finished so far in --out and stop')
    .addOption(common.force())
    .addOption(common.json())
    .addOption(common.quiet())
    .addHelpText('after', [
      '',
      'Depth sweep: every --depths on hard labels and on soft targets at --temperature;',
      'temperature sweep: every --temperatures at --depth. Run the same command again to',
      'continue an interrupted study: finished cells are kept, a cell in progress resumes.',
      '',
      'Workers: any number of the same command on machines sharing --out split the grid,',
      'each claiming the next free cell (a lock in its folder); a cell whose worker died is',
      'taken over from its checkpoint. The worker finishing the last cell writes the summary.',
      'Each study process uses one wasm thread unless SDT_WASM_THREADS says otherwise.',
      '',
      'Example:',
      '  sdt study --quick --out runs/study-quick',
      '  sdt study --dataset fashion-mnist --out runs/study-fashion',
      '  sdt study --teacher results/mnist/distill/teacher --depths 2,4,6,8 --epochs 10 --out runs/study-mnist',
      '  sdt study --quick --out /shared/study --shard 0/4    # one of four workers (see README: cluster)',
      '  sdt study --out /shared/study --status',
    ].join('\n'));
  addTreeOptions(command);
  addTeacherOptions(command, 'teacher');
  return command.action(async (parsed: StudyArgs, self: Command) => {
    if (parsed.quick) applyQuick(self, parsed, QUICK);
    const quiet = Boolean(parsed.quiet);
    if (parsed.status || parsed.summarize) {
      if (!parsed.out) throw new SdtError(`--${parsed.status ? 'status' : 'summarize'} needs the study's --out DIR.`);
      return parsed.status ? printStatus(parsed.out) : summarizeFinished(parsed.out, parsed, quiet);
    }
    if (self.getOptionValueSource('transfer') === 'cli') throw new SdtError('a study sets the transfer set per cell: give --transfers LIST, not --transfer.');
    const chosen = chosenOptions(self, parsed, QUICK);
    const seeds = Array.from({ length: parsed.seeds }, (_, i) => i + 1);
    const out = checkOutFolder(parsed.out ?? defaultRunFolder('study', parsed.dataset));
    const shard = parsed.shard ? parseShard(parsed.shard) : slurmShard();
    // Several workers on one machine would slow each other down at a thread per core (README, Benchmarks); 1 and 2 threads give the same bits.
    process.env.SDT_WASM_THREADS ??= '1';
    const backend = await startBackend({ backend: parsed.backend, quiet });
    const dataset = openDataset({ ...parsed, seed: 1, quiet });
    const tree = fitTreeToData(treeOptionsFrom({ ...parsed, seed: 1 }), dataset, parsed, chosen);
    // A given teacher is used as it is; its options only describe one trained here.
    const teacher = teacherForData(teacherOptionsFrom({ ...parsed, seed: 1 }, 'teacher'), dataset, parsed.teacher ? { ...parsed, quiet: true } : parsed, chosen, 'teacher');
    if (shard) say({ quiet }, `shard ${shard.index}/${shard.count} (${shard.source})`);
    const study = await runStudy(
      dataset,
      {
        grid: { seeds, depths: parsed.depths, temperatures: parsed.temperatures, depth: tree.depth, temperature: parsed.temperature, transfers: parsed.transfers, cart: Boolean(parsed.cart) },
        tree,
        alpha: parsed.alpha,
        teacher,
        teacherFolder: parsed.teacher,
        cart: CART_DEFAULTS,
        force: Boolean(parsed.force),
        shard,
      },
      out,
      backend,
      dataConfig(dataset, parsed),
      { say: (line) => say({ quiet }, line), progress: (label, epochs) => trainingProgress(label, epochs, quiet) },
    );
    if (!study.writesSummary) {
      const left = study.unfinished ? `${study.unfinished} cells of the study are not finished yet` : 'another worker finished the last cell';
      if (parsed.json) process.stdout.write(JSON.stringify({ study: out, finishedCells: study.cells.length, unfinishedCells: study.unfinished }) + '\n');
      else process.stdout.write(`this worker's cells are done; ${left}, and the worker that finishes the last writes the summary (or: sdt study --out ${out} --summarize)\n`);
      return;
    }
    const { settings, table } = await writeStudySummary(out, study, {
      dataset: dataset.name,
      temperature: parsed.temperature,
      depth: tree.depth,
      report: Boolean(parsed.report),
      backend: parsed.backend,
      say: (line) => say({ quiet }, line),
    });
    if (parsed.json) process.stdout.write(JSON.stringify({ study: out, teacherAccuracy: study.teacherAccuracy, settings }) + '\n');
    else process.stdout.write(`${table}\n\nwrote ${out}\n`);
  });
}

function printStatus(out: string): void {
  const { cells } = readStudy(out);
  process.stdout.write(statusText(cellStates(out, cells)) + '\n');
}

/** `--summarize`: the summary, plots and report of the cells finished so far. */
async function summarizeFinished(out: string, parsed: StudyArgs, quiet: boolean): Promise<void> {
  const { config, cells, teacherFolder } = readStudy(out);
  const done = cellStates(out, cells).filter((s) => s.state === 'done').map((s) => s.cell);
  if (!done.length) throw new SdtError(`${out} has no finished cell to summarize yet.`);
  const teacherAccuracy = readStageMetrics(teacherFolder).test.accuracy as number;
  const results = done.map((cell) => ({ cell, folder: join(out, cell.name), metrics: readStageMetrics(join(out, cell.name)) }));
  // The study records its teacher's options: an MLP's carry its architecture.
  const teacherName = (config.teacher as { arch?: string } | undefined)?.arch === 'mlp' ? 'MLP teacher' : 'CNN teacher';
  const { settings, table } = await writeStudySummary(out, { teacherFolder, teacherName, teacherAccuracy, cells: results }, {
    dataset: config.dataset,
    temperature: config.temperature,
    depth: config.depth,
    report: Boolean(parsed.report),
    backend: parsed.backend,
    say: (line) => say({ quiet }, line),
  });
  if (parsed.json) process.stdout.write(JSON.stringify({ study: out, teacherAccuracy, settings, finishedCells: done.length, cells: cells.length }) + '\n');
  else process.stdout.write(`${table}\n\nsummarized ${done.length} of ${cells.length} cells in ${out}\n`);
}
