/** A study's cells reduced to one line per setting: mean ± standard deviation over seeds. */
import type { CellResult } from './runStudy.js';
import type { CellKind } from './grid.js';

export interface Spread {
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single run. */
  std: number;
  n: number;
}

export function spread(values: number[]): Spread {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance), n };
}

export interface SettingSummary {
  kind: CellKind;
  depth: number;
  temperature: number | null;
  seeds: number[];
  /** Test accuracy of the max path (CART: its only prediction). */
  maxPath: Spread;
  /** Test accuracy of the path-weighted mixture of leaf distributions (soft trees only). */
  mixture: Spread | null;
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
      maxPath: spread(tests.map((t) => t.maxPathAccuracy ?? t.accuracy)),
      mixture: kind === 'cart' ? null : spread(tests.map((t) => t.mixtureAccuracy)),
      cells: group.map((g) => g.cell.name),
    };
  });
}

/** `96.21 ± 0.08` (percent), or the plain value for one run. */
export function formatSpread(s: Spread | null): string {
  if (!s) return '—';
  return s.n > 1 ? `${(100 * s.mean).toFixed(2)} ± ${(100 * s.std).toFixed(2)}` : (100 * s.mean).toFixed(2);
}

const label = (s: SettingSummary) =>
  s.kind === 'baseline' ? 'soft tree, hard labels' : s.kind === 'cart' ? 'CART' : `soft tree, distilled T = ${s.temperature}`;

export function summaryTable(settings: SettingSummary[], teacherAccuracy: number): string {
  const order = (s: SettingSummary) => [s.kind === 'cart' ? 1 : 0, s.depth, s.kind === 'baseline' ? 0 : 1, s.temperature ?? 0];
  const compare = (a: SettingSummary, b: SettingSummary) => {
    const [x, y] = [order(a), order(b)];
    const i = x.findIndex((v, j) => v !== y[j]);
    return i < 0 ? 0 : x[i] - y[i];
  };
  const sorted = [...settings].sort(compare);
  return [
    '| model | depth | test accuracy, max path (%) | test accuracy, mixture (%) | seeds |',
    '|---|---:|---:|---:|---:|',
    `| CNN teacher | — | ${(100 * teacherAccuracy).toFixed(2)} | — | 1 |`,
    ...sorted.map((s) => `| ${label(s)} | ${s.depth} | ${formatSpread(s.maxPath)} | ${formatSpread(s.mixture)} | ${s.maxPath.n} |`),
  ].join('\n');
}
