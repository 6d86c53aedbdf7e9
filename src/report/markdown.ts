/** The report as Markdown: the same sections as the HTML page, figures linked as SVG files. */
import { markdownTable } from '../markdownTable.js';
import type { ReportData, ReportRow } from './data.js';
import { dataSets, FACT_HEADERS, runFactCells, shortSha } from './facts.js';
import { byClassNames, COMPARISON_HEADERS, comparisonCells, comparisonNotes, markdownConfusionRows, percentCell } from './table.js';

/** The comparison table alone (what `sdt report` prints). */
export function comparisonMarkdown(data: ReportData): string {
  return markdownTable(COMPARISON_HEADERS, data.rows.map(comparisonCells), 2);
}

function confusionMarkdown(row: ReportRow): string {
  const names = row.classNames;
  const seedNote = row.runs.length > 1 ? `, seed ${row.confusion.seed} (the first of ${row.runs.length} runs)` : '';
  return [
    `### ${row.label}${seedNote}`,
    '',
    'Rows: true class; columns: predicted class.',
    '',
    markdownTable(['true \\ predicted', ...names], row.confusion.matrix.map((counts, k) => [names[k], ...counts.map(String)])),
  ].join('\n');
}

export function renderMarkdown(data: ReportData, figures: { title: string; file: string }[], curves: { title: string; file: string }[]): string {
  const out: string[] = [`# ${data.title}`, '', `Made by \`sdt report\` on ${data.createdAt.slice(0, 10)} from ${data.rows.reduce((n, r) => n + r.runs.length, 0)} runs.`, ''];
  out.push('## Comparison', '', comparisonMarkdown(data), '', ...comparisonNotes(data).flatMap((note) => [note, '']));
  for (const figure of figures) out.push(`![${figure.title}](${figure.file})`, '');
  if (curves.length) {
    out.push('## Training curves', '', 'Mean over the seeds of each row; dashed: trees trained on hard labels.', '');
    for (const curve of curves) out.push(`![${curve.title}](${curve.file})`, '');
  }

  const shown = markdownConfusionRows(data.rows);
  out.push('## Confusion matrices', '', 'From each run\'s metrics.json (test set; max-path predictions for soft trees).');
  if (shown.length < data.rows.length) out.push('Shown here for the teacher and the most accurate model of each kind; report.html has every row.');
  out.push('');
  for (const row of shown) out.push(confusionMarkdown(row), '');

  out.push('## Per-class test accuracy (%)', '', 'Mean over the seeds of each row.', '');
  for (const { classNames, rows } of byClassNames(data.rows)) {
    out.push(markdownTable(['model', ...classNames], rows.map((r) => [r.label, ...classNames.map((_, k) => percentCell(r.perClassAccuracy[k] ?? NaN))])), '');
  }

  const sets = dataSets(data);
  out.push('## Runs', '', 'From each run\'s manifest.json.', '');
  out.push(markdownTable(FACT_HEADERS, data.rows.flatMap((row) => row.runs.map((run) => runFactCells(row, run, sets))), 99), '');
  out.push('Data files (sha256 shortened; report.json has them in full):', '');
  out.push(markdownTable(['data', 'role', 'sha256', 'path'], sets.flatMap((s) => s.files.map((f) => [s.id, f.role, shortSha(f.sha256), f.path])), 99), '');
  return out.join('\n');
}
