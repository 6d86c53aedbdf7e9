/** Mean and spread over the seeds of a group, and how the report writes numbers. */

export interface Stat {
  mean: number;
  /** Sample standard deviation (n − 1); null for a single value. */
  std: number | null;
  n: number;
  values: number[];
}

export function summarize(values: (number | null | undefined)[]): Stat | null {
  const known = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const n = known.length;
  if (n === 0) return null;
  const mean = known.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(known.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1)) : null;
  return { mean, std, n, values: known };
}

/** Element-wise mean of equal-length rows (per-class accuracy over seeds). */
export function meanRows(rows: number[][]): number[] {
  const usable = rows.filter((r) => r.length > 0 && r.length === rows[0].length);
  if (usable.length === 0) return [];
  return usable[0].map((_, k) => usable.reduce((sum, r) => sum + r[k], 0) / usable.length);
}

export const DASH = '—';

/**
 * `96.21 ± 0.08 % (n = 3)` for a group, `96.21 %` for one run, `—` for none. `runs` is the
 * group's size: a value known for fewer of its runs says for how many.
 */
export function formatStat(stat: Stat | null, show: (v: number) => string, unit = '', runs = 1): string {
  if (!stat) return DASH;
  const suffix = unit ? ` ${unit}` : '';
  if (stat.std === null) return `${show(stat.mean)}${suffix}${runs > 1 ? ' (n = 1)' : ''}`;
  return `${show(stat.mean)} ± ${show(stat.std)}${suffix} (n = ${stat.n})`;
}

export const percentDigits = (v: number) => (v * 100).toFixed(2);
export const formatPercent = (stat: Stat | null, runs = 1) => formatStat(stat, percentDigits, '%', runs);

/** Seconds with as many decimals as the mean needs; the spread gets the same. */
export function formatSeconds(stat: Stat | null, runs = 1): string {
  const digits = !stat ? 0 : stat.mean >= 100 ? 0 : stat.mean >= 1 ? 1 : 2;
  return formatStat(stat, (v) => v.toFixed(digits), 's', runs);
}

/** Counts that do not vary within a group (parameters) print plainly; otherwise with their spread. */
export function formatCount(stat: Stat | null): string {
  if (!stat) return DASH;
  const show = (v: number) => Math.round(v).toLocaleString('en');
  return stat.values.every((v) => v === stat.values[0]) ? show(stat.mean) : formatStat(stat, show);
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return DASH;
  if (bytes < 1000) return `${bytes} B`;
  const [value, unit] = bytes < 1e6 ? [bytes / 1e3, 'kB'] : [bytes / 1e6, 'MB'];
  return `${value.toPrecision(3)} ${unit}`;
}

export function formatMicros(micros: number | null): string {
  if (micros === null) return DASH;
  return `${micros >= 100 ? Math.round(micros).toLocaleString('en') : micros.toPrecision(3)} µs`;
}

export function formatThroughput(perSecond: number | null): string {
  if (perSecond === null) return DASH;
  return Math.round(perSecond).toLocaleString('en');
}
