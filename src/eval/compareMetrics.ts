/** Recorded metrics against reproduced ones, metric by metric. */
import { markdownTable } from '../markdownTable.js';

export interface MetricComparison {
  metric: string;
  recorded: number;
  reproduced: number;
  difference: number;
  /** Within tolerance (counts such as parameters must match exactly). */
  agrees: boolean;
}

/**
 * The numbers a run is judged by: accuracies within a tolerance, the model's size exactly.
 * Times are left out (they vary with the machine's load), and so are the best epoch and the
 * leaves used, which may move on another backend while the accuracy holds.
 */
const isAccuracy = (metric: string) => /accuracy$/i.test(metric);

const COMPARED = ['test.maxPathAccuracy', 'test.mixtureAccuracy', 'test.accuracy', 'parameters', 'leaves', 'depth'];

const at = (metrics: object, path: string): unknown =>
  path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], metrics);

/** `tolerance` is absolute: 0.002 lets an accuracy move by 0.2 percentage points. */
export function compareMetrics(recorded: object, reproduced: object, tolerance: number): MetricComparison[] {
  return COMPARED.filter((path) => typeof at(recorded, path) === 'number' && typeof at(reproduced, path) === 'number').map((metric) => {
    const [a, b] = [at(recorded, metric) as number, at(reproduced, metric) as number];
    const allowed = isAccuracy(metric) ? tolerance : 0;
    return { metric, recorded: a, reproduced: b, difference: b - a, agrees: Math.abs(b - a) <= allowed + 1e-12 };
  });
}

export function comparisonLines(rows: MetricComparison[]): string {
  const show = (metric: string, v: number) => (isAccuracy(metric) ? `${(100 * v).toFixed(2)} %` : String(v));
  return markdownTable(
    ['metric', 'recorded', 'reproduced', 'difference', ''],
    rows.map((r) => [r.metric, show(r.metric, r.recorded), show(r.metric, r.reproduced), isAccuracy(r.metric) ? `${(100 * r.difference).toFixed(2)} pp` : String(r.difference), r.agrees ? 'ok' : 'DIFFERS']),
  );
}
