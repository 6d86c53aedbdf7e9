/** The comparison table as text cells, shared by the HTML page and the Markdown twin. */
import type { ReportData, ReportRow } from './data.js';
import { DASH, formatBytes, formatCount, formatMicros, formatPercent, formatSeconds, formatThroughput } from './stats.js';

export const COMPARISON_HEADERS = [
  'model',
  'seeds',
  'test accuracy¹',
  'mixture accuracy²',
  'agreement with teacher³',
  'parameters',
  'model file',
  'latency, 1 example⁴',
  'throughput, examples/s⁴',
  'training time',
  'backend',
];

export function comparisonCells(row: ReportRow): string[] {
  const runs = row.runs.length;
  const agreement = row.agreement ? formatPercent(row.agreement, runs) : row.isReference ? 'reference' : DASH;
  return [
    row.label,
    row.seeds.join(', '),
    formatPercent(row.accuracy, runs),
    formatPercent(row.mixtureAccuracy, runs),
    agreement,
    formatCount(row.parameters),
    formatBytes(row.modelBytes),
    formatMicros(row.timing?.latencyMicros ?? null),
    formatThroughput(row.timing?.throughput ?? null),
    formatSeconds(row.trainingSeconds, runs),
    row.backends.join(', '),
  ];
}

/** The notes the table's superscripts point to, as plain sentences. */
export function comparisonNotes(data: ReportData): string[] {
  const { measured } = data;
  const teachers = data.teachers.length
    ? data.teachers.map((t) => `${t.folder} (${t.dataset}${t.source === 'config' ? ', named by a distilled run' : ''})`).join('; ')
    : 'none found, so no agreement is shown';
  const timing = measured.timing
    ? `Measured when this report was made, on this machine (${measured.cpu}, ${measured.cores} cores, ${measured.platform}, Node ${measured.node}` +
      `${measured.backend ? `, TensorFlow.js ${measured.backend.name} backend for the teacher` : ''}), on the first run of each row that has its model file: ` +
      'latency is the median time of one single-example prediction after warm-up; throughput is examples per second over the whole test set ' +
      '(soft trees in sdt\'s TypeScript predictor, CART in its own, the teacher in TensorFlow.js in batches of 500). — means the model file is missing.'
    : 'Not measured (--no-timing).';
  return [
    '¹ Soft trees: max-path accuracy (the class of the most probable leaf). Teacher and CART: their accuracy. Test set; mean ± sample standard deviation over seeds when a row has several runs.',
    '² Soft trees only: the accuracy of the mixture Σ P^ℓ(x) Q^ℓ over all leaves.',
    `³ Share of test examples on which the model predicts the class the teacher predicts (max-path for soft trees), computed now from the model files. Teacher: ${teachers}.`,
    `⁴ ${timing}`,
    ...imbalanceNotes(data.rows),
  ];
}

/**
 * Classes whose test counts differ by half or more (largest ≥ 1.5 × smallest), one note per
 * dataset of the report: accuracy then hides how the small classes fare, and a
 * majority-class guess already scores the largest class's share.
 */
function imbalanceNotes(rows: ReportRow[]): string[] {
  const firstOfDataset = new Map<unknown, ReportRow>();
  for (const row of rows) if (row.confusion.matrix.length > 0 && !firstOfDataset.has(row.config.dataset)) firstOfDataset.set(row.config.dataset, row);
  return [...firstOfDataset.entries()].flatMap(([dataset, row]) => {
    const counts = row.confusion.matrix.map((predicted) => predicted.reduce((a, b) => a + b, 0));
    const total = counts.reduce((a, b) => a + b, 0);
    const largest = counts.indexOf(Math.max(...counts));
    const smallest = counts.indexOf(Math.min(...counts));
    if (total === 0 || counts[largest] < 1.5 * counts[smallest]) return [];
    const share = (k: number) => `${((100 * counts[k]) / total).toFixed(1)} %`;
    return [
      `⁵ ${String(dataset)}: the classes are imbalanced. Of ${total} test examples, "${row.classNames[largest]}" has ${counts[largest]} (${share(largest)}) and "${row.classNames[smallest]}" ${counts[smallest]} (${share(smallest)}); ` +
        `always answering "${row.classNames[largest]}" scores ${share(largest)}, so read accuracy beside the per-class accuracy below.`,
    ];
  });
}

/** Rows whose confusion matrix the Markdown shows: all of a short report, else the teacher and each kind's best. */
export function markdownConfusionRows(rows: ReportRow[], limit = 4): ReportRow[] {
  if (rows.length <= limit) return rows;
  const best = new Map<string, ReportRow>();
  for (const row of rows) {
    const kind = row.command;
    const current = best.get(kind);
    if (kind === 'teacher' ? !current : !current || row.accuracy.mean > current.accuracy.mean) best.set(kind, row);
  }
  return rows.filter((row) => [...best.values()].includes(row));
}

export const percentCell = (v: number) => (Number.isFinite(v) ? (v * 100).toFixed(1) : DASH);

/** Rows split by their class names (one per-class table each when datasets differ). */
export function byClassNames(rows: ReportRow[]): { classNames: string[]; rows: ReportRow[] }[] {
  const tables = new Map<string, { classNames: string[]; rows: ReportRow[] }>();
  for (const row of rows) {
    const key = JSON.stringify(row.classNames);
    const table = tables.get(key) ?? { classNames: row.classNames, rows: [] };
    table.rows.push(row);
    tables.set(key, table);
  }
  return [...tables.values()];
}
