/**
 * `writeReport`: run folders in, report.html, report.md and report.json out. Numbers come
 * from each run's metrics.json; latency, throughput and agreement with the teacher are
 * measured now, from the model files, when they exist.
 */
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicWrite.js';
import { describeBackend, initBackend, type BackendChoice } from '../backend.js';
import { checkOutFolder, ensureFolder, writeJsonAtomic } from '../runs/files.js';
import { trainingCurves } from './curves.js';
import { buildRow, REPORT_FORMAT, type ReportData } from './data.js';
import { createDatasetCache } from './datasets.js';
import { findRunFolders } from './discover.js';
import { groupRuns } from './group.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { createMeasurer } from './measure.js';
import { modelClassNames } from './models.js';
import { chooseReferences, createReferencePredictions } from './reference.js';
import { readRun } from './runs.js';

export interface ReportOptions {
  /** Run folders, or folders holding them (distill jobs, studies). */
  inputs: string[];
  out: string;
  title?: string;
  /** Measure latency and throughput (default true). */
  timing?: boolean;
  /** Extra plots, written beside the report and shown after the comparison table. */
  figures?: { title: string; svg: string; file: string }[];
  /** TensorFlow.js backend for the teacher (default: the best available). */
  backend?: string;
  say?: (line: string) => void;
}

export async function writeReport(options: ReportOptions): Promise<ReportData> {
  const say = options.say ?? (() => {});
  const timing = options.timing ?? true;
  checkOutFolder(options.out);
  const groups = groupRuns(findRunFolders(options.inputs).map(readRun));
  const runCount = groups.reduce((n, g) => n + g.runs.length, 0);
  say(`reporting on ${runCount} run${runCount === 1 ? '' : 's'} in ${groups.length} row${groups.length === 1 ? '' : 's'}`);

  const teachers = chooseReferences(groups);
  const needsTensorFlow = groups.some((g) => g.command === 'teacher' && g.runs.some((r) => r.modelFiles) && timing) || teachers.length > 0;
  let backend: BackendChoice | null = null;
  if (needsTensorFlow) {
    backend = await initBackend(options.backend);
    say(`backend: ${describeBackend(backend)}`);
  }
  const datasets = createDatasetCache(say);
  const reference = createReferencePredictions(teachers, say);
  const measurer = createMeasurer({ timing, datasets, reference: reference.predict, isReference: reference.isReference, remember: reference.remember, say });
  const rows = [];
  try {
    for (const group of groups) {
      const measured = await measurer.measure(group);
      const first = group.runs[0];
      const classNames = datasets.classNames(first) ?? group.runs.map(modelClassNames).find((names) => names !== null) ?? [];
      rows.push(buildRow(group, measured, classNames, group.runs.some(reference.isReference)));
    }
  } finally {
    await reference.dispose();
  }

  const figures = options.figures ?? [];
  const data: ReportData = {
    format: REPORT_FORMAT,
    title: options.title ?? 'sdt report',
    createdAt: new Date().toISOString(),
    measured: {
      timing,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      platform: `${platform()} ${release()}`,
      node: process.versions.node,
      backend,
    },
    teachers,
    rows,
    figures: figures.map(({ title, file }) => ({ title, file })),
  };
  const curves = trainingCurves(rows);
  ensureFolder(options.out);
  for (const figure of [...figures, ...curves]) writeFileAtomic(join(options.out, figure.file), figure.svg);
  writeFileAtomic(join(options.out, 'report.html'), renderHtml(data, figures, curves));
  writeFileAtomic(join(options.out, 'report.md'), renderMarkdown(data, figures, curves));
  writeJsonAtomic(join(options.out, 'report.json'), data);
  return data;
}
