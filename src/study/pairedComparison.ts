/**
 * Does the teacher help? Each distilled cell against the label-trained cell of the same
 * depth, transfer set and seed (one seed fixes the validation split, the initial tree and the
 * transfer images, so the two differ only in their targets): the mean of the paired
 * differences of max-path test accuracy, a paired t-test, and whether the seeds' ranges overlap.
 */
import jstat from 'jstat';
import { markdownTable } from '../markdownTable.js';
import type { TransferKind } from '../distill/transfer.js';
import { headlineAccuracy } from '../runs/metrics.js';
import type { CellResult } from './runStudy.js';

export interface PairedComparison {
  depth: number;
  temperature: number;
  transfer: TransferKind;
  seeds: number[];
  /** Mean and sample standard deviation of (distilled − labels) over the seeds. */
  meanDifference: number;
  stdDifference: number | null;
  /** Two-sided p of the paired t-test (n − 1 degrees of freedom); null below two pairs or with no spread. */
  p: number | null;
  /** The seeds' ranges [min, max] of the two settings overlap. */
  rangesOverlap: boolean;
}

/** Two-sided p-value of a paired t-test on the differences d (Student 1908). */
export function pairedTTest(d: number[]): { mean: number; std: number | null; p: number | null } {
  const n = d.length;
  const mean = d.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, std: null, p: null };
  const std = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  if (std === 0) return { mean, std, p: null };
  const t = mean / (std / Math.sqrt(n)); // t = d̄ / (s_d / √n)
  return { mean, std, p: 2 * (1 - jstat.jStat.studentt.cdf(Math.abs(t), n - 1)) };
}

export function pairedComparisons(cells: CellResult[]): PairedComparison[] {
  const accuracy = (r: CellResult) => headlineAccuracy(r.metrics.test) as number;
  const labels = new Map(cells.filter((r) => r.cell.kind === 'baseline').map((r) => [`${r.cell.depth}/${r.cell.transfer}/${r.cell.seed}`, r]));
  const groups = new Map<string, [CellResult, CellResult][]>();
  for (const distilled of cells.filter((r) => r.cell.kind === 'distilled')) {
    const { depth, transfer, seed, temperature } = distilled.cell;
    const partner = labels.get(`${depth}/${transfer}/${seed}`);
    if (!partner) continue;
    const key = `${depth}/${temperature}/${transfer}`;
    groups.set(key, [...(groups.get(key) ?? []), [distilled, partner]]);
  }
  return [...groups.values()].map((pairs) => {
    const { depth, temperature, transfer } = pairs[0][0].cell;
    const [soft, hard] = [pairs.map(([d]) => accuracy(d)), pairs.map(([, l]) => accuracy(l))];
    const test = pairedTTest(soft.map((s, i) => s - hard[i]));
    return {
      depth,
      temperature: temperature as number,
      transfer,
      seeds: pairs.map(([d]) => d.cell.seed),
      meanDifference: test.mean,
      stdDifference: test.std,
      p: test.p,
      rangesOverlap: Math.min(...soft) <= Math.max(...hard) && Math.min(...hard) <= Math.max(...soft),
    };
  });
}

const points = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(100 * v).toFixed(2)}`;

export function pairedTable(comparisons: PairedComparison[]): string {
  return markdownTable(
    ['transfer set', 'depth', 'T', 'seeds', 'distilled − labels, points (mean ± std)', 'paired t-test p', 'seed ranges overlap'],
    comparisons.map((c) => [
      c.transfer,
      String(c.depth),
      String(c.temperature),
      String(c.seeds.length),
      c.stdDifference === null ? points(c.meanDifference) : `${points(c.meanDifference)} ± ${(100 * c.stdDifference).toFixed(2)}`,
      c.p === null ? '—' : c.p < 0.001 ? '< 0.001' : c.p.toFixed(3),
      c.rangesOverlap ? 'yes' : 'no',
    ]),
  );
}
