/** The numbers of a report (what report.json holds), built from the groups and their measurements. */
import type { BackendChoice } from '../backend.js';
import type { DataFile } from '../data/dataset.js';
import type { ReportedCommand } from './discover.js';
import type { RunGroup } from './group.js';
import type { GroupMeasurement, Timing } from './measure.js';
import type { TeacherReference } from './reference.js';
import type { EpochPoint } from './runs.js';
import { meanRows, summarize, type Stat } from './stats.js';

export const REPORT_FORMAT = 'sdt-report/1';

export interface RunSummary {
  folder: string;
  seed: number;
  accuracy: number;
  mixtureAccuracy: number | null;
  agreement: number | null;
  parameters: number | null;
  trainingSeconds: number | null;
  modelBytes: number | null;
  createdAt: string;
  backend: BackendChoice;
  versions: Record<string, string | null>;
  machine: { cpu: string; cores: number; platform: string };
  data: DataFile[];
}

export interface ReportRow {
  label: string;
  command: ReportedCommand;
  /** Shared configuration (seed and teacher paths left out). */
  config: Record<string, unknown>;
  seeds: number[];
  /** Max-path accuracy for soft trees; the accuracy of the teacher and CART. */
  accuracy: Stat;
  mixtureAccuracy: Stat | null;
  agreement: Stat | null;
  /** The reference teacher itself is in this row. */
  isReference: boolean;
  parameters: Stat | null;
  trainingSeconds: Stat | null;
  /** Bytes of the model file(s) of the first run that has them. */
  modelBytes: number | null;
  timing: Timing | null;
  backends: string[];
  classNames: string[];
  /** Of the first run (lowest seed). */
  confusion: { run: string; seed: number; matrix: number[][] };
  /** Mean over the runs. */
  perClassAccuracy: number[];
  /** Mean over the runs that reached each epoch. */
  curve: EpochPoint[];
  runs: RunSummary[];
}

export interface ReportData {
  format: typeof REPORT_FORMAT;
  title: string;
  createdAt: string;
  measured: { timing: boolean; cpu: string; cores: number; platform: string; node: string; backend: BackendChoice | null };
  teachers: TeacherReference[];
  rows: ReportRow[];
  figures: { title: string; file: string }[];
}

function meanCurve(histories: EpochPoint[][]): EpochPoint[] {
  const epochs = [...new Set(histories.flat().map((p) => p.epoch))].sort((a, b) => a - b);
  return epochs.map((epoch) => {
    const at = histories.map((h) => h.find((p) => p.epoch === epoch)).filter((p): p is EpochPoint => p !== undefined);
    return {
      epoch,
      loss: summarize(at.map((p) => p.loss))?.mean ?? NaN,
      validationAccuracy: summarize(at.map((p) => p.validationAccuracy))?.mean ?? NaN,
    };
  });
}

export function buildRow(group: RunGroup, measured: GroupMeasurement, classNames: string[], isReference: boolean): ReportRow {
  const runs = group.runs;
  const first = runs[0];
  const withModel = runs.find((r) => r.modelBytes !== null);
  const K = first.metrics.confusion.length;
  return {
    label: group.label,
    command: group.command,
    config: group.config,
    seeds: runs.map((r) => r.manifest.seed),
    accuracy: summarize(runs.map((r) => r.metrics.accuracy))!,
    mixtureAccuracy: summarize(runs.map((r) => r.metrics.mixtureAccuracy)),
    agreement: summarize(runs.map((r) => measured.agreement.get(r.folder))),
    isReference,
    parameters: summarize(runs.map((r) => r.metrics.parameters)),
    trainingSeconds: summarize(runs.map((r) => r.metrics.trainingSeconds)),
    modelBytes: withModel?.modelBytes ?? null,
    timing: measured.timing,
    backends: [...new Set(runs.map((r) => r.manifest.backend?.name ?? 'unknown'))],
    classNames: classNames.length === K ? classNames : Array.from({ length: K }, (_, k) => String(k)),
    confusion: { run: first.folder, seed: first.manifest.seed, matrix: first.metrics.confusion },
    perClassAccuracy: meanRows(runs.map((r) => r.metrics.perClassAccuracy)),
    curve: meanCurve(runs.map((r) => r.metrics.history)),
    runs: runs.map((r) => ({
      folder: r.folder,
      seed: r.manifest.seed,
      accuracy: r.metrics.accuracy,
      mixtureAccuracy: r.metrics.mixtureAccuracy,
      agreement: measured.agreement.get(r.folder) ?? null,
      parameters: r.metrics.parameters,
      trainingSeconds: r.metrics.trainingSeconds,
      modelBytes: r.modelBytes,
      createdAt: r.manifest.createdAt,
      backend: r.manifest.backend,
      versions: r.manifest.versions ?? {},
      machine: r.manifest.machine,
      data: r.manifest.data ?? [],
    })),
  };
}
