/**
 * A finished study's outputs beside its cells: summary.json and summary.md (mean ± std per
 * setting), the depth and temperature plots, and (unless turned off) the report of every cell.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicWrite.js';
import { writeReport } from '../report/index.js';
import { writeJsonAtomic } from '../runs/files.js';
import { depthPlot, temperaturePlot } from './plots.js';
import type { CellResult } from './runStudy.js';
import { hardeningSummaries, hardeningTable } from './hardening.js';
import { pairedComparisons, pairedTable } from './pairedComparison.js';
import { summarizeCells, summaryTable, type SettingSummary } from './summary.js';

export interface StudyOutcome {
  teacherFolder: string;
  /** 'CNN teacher' or 'MLP teacher'. */
  teacherName: string;
  teacherAccuracy: number;
  cells: CellResult[];
}

export interface SummaryOptions {
  dataset: string;
  /** The depth sweep's temperature and the temperature sweep's depth. */
  temperature: number;
  depth: number;
  report: boolean;
  backend?: string;
  say(line: string): void;
}

export async function writeStudySummary(out: string, study: StudyOutcome, options: SummaryOptions): Promise<{ settings: SettingSummary[]; table: string }> {
  const settings = summarizeCells(study.cells);
  const paired = pairedComparisons(study.cells);
  const hardening = hardeningSummaries(study.cells);
  const table =
    summaryTable(settings, study.teacherAccuracy, study.teacherName) +
    (paired.length ? `\n\nDistilled against labels on the same images, paired by seed (max path):\n\n${pairedTable(paired)}` : '') +
    (hardening.length
      ? `\n\nHardening on the same runs: test metrics just before β starts to rise and of the epoch kept (best validation):\n\n${hardeningTable(hardening)}`
      : '');
  writeJsonAtomic(join(out, 'summary.json'), { teacher: { folder: study.teacherFolder, testAccuracy: study.teacherAccuracy }, settings, paired, hardening });
  writeFileAtomic(join(out, 'summary.md'), table + '\n');
  const figures = [
    { title: 'Test accuracy against depth', file: 'depth.svg', svg: depthPlot(settings, study.teacherAccuracy, options.temperature, options.dataset, study.teacherName) },
    { title: 'Test accuracy against temperature', file: 'temperature.svg', svg: temperaturePlot(settings, study.teacherAccuracy, options.depth, options.dataset, study.teacherName) },
  ];
  // The report writes the figures beside itself, in the study's folder.
  if (options.report) {
    await writeReport({ inputs: [out, study.teacherFolder], out, title: `sdt study: ${options.dataset}`, figures, backend: options.backend, say: options.say });
  } else for (const figure of figures) writeFileAtomic(join(out, figure.file), figure.svg);
  return { settings, table };
}
