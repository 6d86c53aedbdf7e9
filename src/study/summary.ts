/** A study's cells reduced to one line per setting: mean ± standard deviation over seeds. */
import { markdownTable } from '../markdownTable.js';
import type { TransferKind } from '../distill/transfer.js';
import { compareModels } from '../report/group.js';
import { formatPercent, summarize, type Stat } from '../report/stats.js';
import { headlineAccuracy, type MetricsFile } from '../runs/metrics.js';
import type { CellKind } from './grid.js';
import type { CellResult } from './runStudy.js';

export interface SettingSummary {
  kind: CellKind;
  depth: number;
  temperature: number | null;
  transfer: TransferKind;
  seeds: number[];
  /** Validation accuracy of the epoch kept (soft trees): what chooses between recipes without looking at the test set. */
  validation: Stat | null;
  /** Test accuracy of the max path (CART: its only prediction). */
  maxPath: Stat;
  /** Test accuracy of the path-weighted mixture of leaf distributions (soft trees only). */
  mixture: Stat | null;
  /** Share of test examples whose max path carries ≥ 0.5 of the probability (soft trees; absent in runs made before it was recorded). */
  committed: Stat | null;
  cells: string[];
}

type Setting = Pick<SettingSummary, 'kind' | 'depth' | 'temperature' | 'transfer'>;

/** What a setting is, whichever its seed: the cells a summary line averages. */
export const settingKey = ({ kind, depth, temperature, transfer }: Setting) => `${kind}/${depth}/${temperature}/${transfer}`;

export function summarizeCells(cells: CellResult[]): SettingSummary[] {
  const groups = new Map<string, CellResult[]>();
  for (const result of cells) {
    const key = settingKey(result.cell);
    groups.set(key, [...(groups.get(key) ?? []), result]);
  }
  return [...groups.values()].map((group) => {
    const { kind, depth, temperature, transfer } = group[0].cell;
    const tests = group.map((g) => g.metrics.test);
    const committed = tests.map((t) => t.committedShare).filter((v): v is number => typeof v === 'number');
    const validation = group.map((g) => (g.metrics as MetricsFile).history?.find((e) => e.epoch === g.metrics.bestEpoch)?.validationAccuracy).filter((v): v is number => typeof v === 'number');
    return {
      kind,
      depth,
      temperature,
      transfer,
      seeds: group.map((g) => g.cell.seed),
      validation: validation.length < group.length ? null : summarize(validation),
      maxPath: summarize(tests.map(headlineAccuracy))!,
      mixture: kind === 'cart' ? null : summarize(tests.map((t) => t.mixtureAccuracy)),
      committed: kind === 'cart' || committed.length < group.length ? null : summarize(committed),
      cells: group.map((g) => g.cell.name),
    };
  });
}

export const settingLabel = (s: Setting) =>
  (s.kind === 'baseline' ? 'soft tree, hard labels' : s.kind === 'cart' ? 'CART' : `soft tree, distilled T = ${s.temperature}`) +
  (s.transfer === 'train' ? '' : `, ${s.transfer} transfer set`);

const compare = (a: SettingSummary, b: SettingSummary) => compareModels({ ...a, command: a.kind }, { ...b, command: b.kind });

export function summaryTable(settings: SettingSummary[], teacherAccuracy: number, teacherName = 'CNN teacher'): string {
  return markdownTable(['model', 'depth', 'validation accuracy, epoch kept', 'test accuracy, max path', 'test accuracy, mixture', 'max path ≥ ½ of the probability'], [
    [teacherName, '—', '—', `${(100 * teacherAccuracy).toFixed(2)} %`, '—', '—'],
    ...[...settings].sort(compare).map((s) => [settingLabel(s), String(s.depth), formatPercent(s.validation), formatPercent(s.maxPath), formatPercent(s.mixture), formatPercent(s.committed)]),
  ]);
}
