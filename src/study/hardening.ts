/**
 * Hardening measured on the same runs: for every setting whose trees raised β at the end
 * (`--beta-end` with `--anneal-start`), the test metrics just before β started to rise (the
 * epoch's `report.testBeforeHardening`, trainTree.ts) beside those of the epoch kept, and how
 * many seeds kept an epoch from the hardening phase.
 */
import { markdownTable } from '../markdownTable.js';
import { formatPercent, summarize, type Stat } from '../report/stats.js';
import type { CellResult } from './runStudy.js';
import { settingKey, settingLabel } from './summary.js';

interface TestMetrics {
  maxPathAccuracy: number;
  mixtureAccuracy: number;
  committedShare: number;
}

export interface HardeningSummary {
  label: string;
  depth: number;
  seeds: number;
  /** Max path, the mixture's lead over it, and the committed share: before hardening and for the epoch kept. */
  maxPath: [Stat | null, Stat | null];
  gap: [Stat | null, Stat | null];
  committed: [Stat | null, Stat | null];
  /** Seeds whose kept (best validation) epoch lies in the hardening phase. */
  keptHardened: number;
}

/** The epoch and metrics recorded just before β rose, if this run hardened. */
function beforeHardening(metrics: Record<string, any>): { epoch: number; test: TestMetrics } | undefined {
  const record = (metrics.history ?? []).find((h: any) => h.report?.testBeforeHardening);
  return record && { epoch: record.epoch, test: record.report.testBeforeHardening };
}

export function hardeningSummaries(cells: CellResult[]): HardeningSummary[] {
  const groups = new Map<string, { cell: CellResult; before: { epoch: number; test: TestMetrics } }[]>();
  for (const cell of cells) {
    const before = beforeHardening(cell.metrics);
    if (!before) continue;
    const key = settingKey(cell.cell);
    groups.set(key, [...(groups.get(key) ?? []), { cell, before }]);
  }
  return [...groups.values()].map((group) => {
    const pair = (of: (t: TestMetrics) => number): [Stat | null, Stat | null] => [
      summarize(group.map((g) => of(g.before.test))),
      summarize(group.map((g) => of(g.cell.metrics.test as TestMetrics))),
    ];
    return {
      label: settingLabel(group[0].cell.cell),
      depth: group[0].cell.cell.depth,
      seeds: group.length,
      maxPath: pair((t) => t.maxPathAccuracy),
      gap: pair((t) => t.mixtureAccuracy - t.maxPathAccuracy),
      committed: pair((t) => t.committedShare),
      keptHardened: group.filter((g) => g.cell.metrics.bestEpoch > g.before.epoch).length,
    };
  });
}

export function hardeningTable(summaries: HardeningSummary[]): string {
  return markdownTable(
    ['model', 'depth', 'max path, before', 'max path, kept', 'mixture − max path, before', 'mixture − max path, kept', 'max path ≥ ½, before', 'max path ≥ ½, kept', 'seeds keeping a hardened epoch'],
    summaries.map((s) => [
      s.label,
      String(s.depth),
      ...[s.maxPath, s.gap, s.committed].flatMap(([before, kept]) => [formatPercent(before), formatPercent(kept)]),
      `${s.keptHardened} of ${s.seeds}`,
    ]),
  );
}
