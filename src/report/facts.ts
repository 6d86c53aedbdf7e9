/** How each run was made, from its manifest: seed, versions, backend, data and date. */
import { describeBackend } from '../backend.js';
import type { DataFile } from '../data/dataset.js';
import type { ReportData, ReportRow, RunSummary } from './data.js';

export interface DataSetFacts {
  id: string;
  files: DataFile[];
  runs: number;
}

const fingerprint = (files: DataFile[]) => files.map((f) => `${f.role}:${f.sha256}`).join(' ');

/** The distinct sets of data files the runs were trained on, named A, B, … */
export function dataSets(data: ReportData): DataSetFacts[] {
  const sets = new Map<string, DataSetFacts>();
  for (const run of data.rows.flatMap((r) => r.runs)) {
    const key = fingerprint(run.data);
    const known = sets.get(key);
    if (known) known.runs++;
    else sets.set(key, { id: String.fromCharCode(65 + (sets.size % 26)) + (sets.size >= 26 ? Math.floor(sets.size / 26) : ''), files: run.data, runs: 1 });
  }
  return [...sets.values()];
}

export const FACT_HEADERS = ['model', 'run folder', 'seed', 'sdt', 'Node', 'TensorFlow.js', 'backend (why)', 'data', 'created'];

export const shortSha = (sha256: string) => sha256.slice(0, 12);

export function runFactCells(row: ReportRow, run: RunSummary, sets: DataSetFacts[]): string[] {
  const v = run.versions;
  const commit = v.sdtCommit ? ` (${v.sdtCommit.slice(0, 7)}${v.sdtCommit.endsWith('+dirty') ? '+dirty' : ''})` : '';
  const created = run.createdAt ? run.createdAt.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC') : '—';
  return [
    row.label,
    run.folder,
    String(run.seed),
    `${v.sdt ?? '?'}${commit}`,
    v.node ?? '?',
    v['@tensorflow/tfjs-core'] ?? '?',
    run.backend ? describeBackend(run.backend) : '?',
    sets.find((s) => s.files === run.data || fingerprint(s.files) === fingerprint(run.data))?.id ?? '?',
    created,
  ];
}
