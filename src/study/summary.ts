/** A study's cells reduced to one line per setting: mean ± standard deviation over seeds. */
import { formatPercent, summarize, type Stat } from '../report/stats.js';
import type { CellKind } from './grid.js';
import type { CellResult } from './runStudy.js';

export interface SettingSummary {
  kind: CellKind;
  depth: number;
  temperature: number | null;
  seeds: number[];
  /** Test accuracy of the max path (CART: its only prediction). */
  maxPath: Stat;
  /** Test accuracy of the path-weighted mixture of leaf distributions (soft trees only). */
  mixture: Stat | null;
  cells: string[];
}

export function summarizeCells(cells: CellResult[]): SettingSummary[] {
  const groups = new Map<string, CellResult[]>();
  for (const result of cells) {
    const { kind, depth, temperature } = result.cell;
    const key = `${kind}/${depth}/${temperature}`;
    groups.set(key, [...(groups.get(key) ?? []), result]);
  }
  return [...groups.values()].map((group) => {
    const { kind, depth, temperature } = group[0].cell;
    const tests = group.map((g) => g.metrics.test);
    return {
      kind,
      depth,
      temperature,
      seeds: group.map((g) => g.cell.seed),
      maxPath: summarize(tests.map((t) => t.maxPathAccuracy ?? t.accuracy))!,
      mixture: kind === 'cart' ? null : summarize(tests.map((t) => t.mixtureAccuracy)),
      cells: group.map((g) => g.cell.name),
    };
  });
}

export const settingLabel = (s: SettingSummary) =>
  s.kind === 'baseline' ? 'soft tree, hard labels' : s.kind === 'cart' ? 'CART' : `soft tree, distilled T = ${s.temperature}`;

/** Teacher first, then by depth, hard labels before soft targets by temperature, CART last. */
function compare(a: SettingSummary, b: SettingSummary): number {
  const order = (s: SettingSummary) => [s.kind === 'cart' ? 1 : 0, s.depth, s.kind === 'baseline' ? 0 : 1, s.temperature ?? 0];
  const [x, y] = [order(a), order(b)];
  const i = x.findIndex((v, j) => v !== y[j]);
  return i < 0 ? 0 : x[i] - y[i];
}

export function summaryTable(settings: SettingSummary[], teacherAccuracy: number): string {
  return [
    '| model | depth | test accuracy, max path | test accuracy, mixture |',
    '|---|---:|---:|---:|',
    `| CNN teacher | — | ${(100 * teacherAccuracy).toFixed(2)} % | — |`,
    ...[...settings].sort(compare).map((s) => `| ${settingLabel(s)} | ${s.depth} | ${formatPercent(s.maxPath)} | ${formatPercent(s.mixture)} |`),
  ].join('\n');
}
