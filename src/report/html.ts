/** The report as one self-contained HTML page: inline CSS and SVG, no scripts, no requests. */
import { theme } from '../../viz/index.js';
import type { ReportData, ReportRow } from './data.js';
import { dataSets, FACT_HEADERS, runFactCells, shortSha } from './facts.js';
import { byClassNames, COMPARISON_HEADERS, comparisonCells, comparisonNotes, percentCell } from './table.js';

export const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const STYLE = `
body { font-family: ${theme.font}; color: ${theme.text}; background: ${theme.background}; margin: 20px; max-width: 1400px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 6px; } h3 { font-size: 13px; margin: 0 0 4px; }
.muted, .notes { color: ${theme.muted}; font-size: 12px; } .notes p { margin: 2px 0; }
table { border-collapse: collapse; font-size: 12px; }
th, td { padding: 3px 7px; border-bottom: 1px solid ${theme.edge}; text-align: right; white-space: nowrap; }
th { background: #f3f4f6; } th:first-child, td:first-child, th.text, td.text { text-align: left; }
.scroll { overflow-x: auto; }
figure { margin: 8px 0; }
.matrices { display: flex; flex-wrap: wrap; gap: 18px; }
table.confusion td, table.confusion th { padding: 1px 4px; font-size: 10px; min-width: 22px; border: 1px solid #fff; }
code { font-size: 11px; }
`;

const row = (cells: string[], tag = 'td', classes: string[] = []) =>
  `<tr>${cells.map((c, i) => `<${tag}${classes[i] ? ` class="${classes[i]}"` : ''}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;

function table(headers: string[], rows: string[][], className: string, textColumns = 1): string {
  const classes = headers.map((_, i) => (i < textColumns ? 'text' : ''));
  return `<div class="scroll"><table class="${className}"><thead>${row(headers, 'th', classes)}</thead><tbody>${rows.map((r) => row(r, 'td', classes)).join('')}</tbody></table></div>`;
}

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(',');

/** A confusion matrix with each cell shaded by its share of the true class: green on the diagonal, red off it. */
function confusionTable(r: ReportRow): string {
  const names = r.classNames;
  const head = `<tr><th title="true class \\ predicted class">true \\ pred.</th>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join('')}</tr>`;
  const body = r.confusion.matrix.map((counts, k) => {
    const total = counts.reduce((a, b) => a + b, 0) || 1;
    const cells = counts.map((c, j) => {
      const share = c / total;
      const alpha = j === k ? share : Math.min(1, share * 4);
      const style = c > 0 ? ` style="background: rgba(${rgb(j === k ? theme.good : theme.bad)},${alpha.toFixed(2)});${alpha > 0.6 ? ' color: #fff;' : ''}"` : '';
      return `<td${style} title="true ${escapeHtml(names[k])}, predicted ${escapeHtml(names[j] ?? String(j))}: ${c}">${c}</td>`;
    });
    return `<tr><th>${escapeHtml(names[k] ?? String(k))}</th>${cells.join('')}</tr>`;
  });
  const seedNote = r.runs.length > 1 ? ` — seed ${r.confusion.seed}, the first of ${r.runs.length} runs` : '';
  return `<div><h3>${escapeHtml(r.label)}${escapeHtml(seedNote)}</h3><table class="confusion">${head}${body.join('')}</table></div>`;
}

function perClassTables(data: ReportData): string {
  return byClassNames(data.rows).map(({ classNames, rows }) => {
    const body = rows.map((r) => `<tr><td class="text">${escapeHtml(r.label)}</td>${classNames.map((_, k) => {
      const v = r.perClassAccuracy[k] ?? NaN;
      const style = Number.isFinite(v) ? ` style="background: rgba(${rgb(theme.good)},${Math.max(0, (v - 0.5) * 2 * 0.6).toFixed(2)})"` : '';
      return `<td${style}>${percentCell(v)}</td>`;
    }).join('')}</tr>`);
    return `<div class="scroll"><table class="per-class"><thead><tr><th>model</th>${classNames.map((n) => `<th>${escapeHtml(n)}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table></div>`;
  }).join('\n');
}

/** The SVG carries its own title; the figure names it for screen readers. */
const figureHtml = (f: { title: string; svg: string }) => `<figure aria-label="${escapeHtml(f.title)}">${f.svg.trim()}</figure>`;

export function renderHtml(data: ReportData, figures: { title: string; svg: string }[], curves: { title: string; svg: string }[]): string {
  const runs = data.rows.reduce((n, r) => n + r.runs.length, 0);
  const sets = dataSets(data);
  const facts = data.rows.flatMap((r) => r.runs.map((run) => runFactCells(r, run, sets)));
  const files = sets.flatMap((s) => s.files.map((f) => [s.id, f.role, f.sha256, f.path]));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(data.title)}</h1>
<p class="muted">Made by <code>sdt report</code> on ${escapeHtml(data.createdAt.slice(0, 10))} from ${runs} runs in ${data.rows.length} rows.</p>
<h2>Comparison</h2>
${table(COMPARISON_HEADERS, data.rows.map(comparisonCells), 'comparison', 2)}
<div class="notes">${comparisonNotes(data).map((n) => `<p>${escapeHtml(n)}</p>`).join('')}</div>
${figures.map(figureHtml).join('\n')}
${curves.length ? `<h2>Training curves</h2>\n<p class="muted">Mean over the seeds of each row; dashed: trees trained on hard labels.</p>\n${curves.map(figureHtml).join('\n')}` : ''}
<h2>Confusion matrices</h2>
<p class="muted">From each run's metrics.json: test set, rows are the true class, columns the predicted class (max-path for soft trees). Shading: share of the true class.</p>
<div class="matrices">${data.rows.map(confusionTable).join('\n')}</div>
<h2>Per-class test accuracy (%)</h2>
<p class="muted">Mean over the seeds of each row.</p>
${perClassTables(data)}
<h2>Runs</h2>
<p class="muted">From each run's manifest.json.</p>
${table(FACT_HEADERS, facts, 'runs', 99)}
<h3 style="margin-top: 10px">Data files</h3>
<div class="scroll"><table class="data"><thead>${row(['data', 'role', 'sha256', 'path'], 'th', ['text', 'text', 'text', 'text'])}</thead><tbody>${files.map(([id, role, sha, path]) =>
    `<tr><td class="text">${escapeHtml(id)}</td><td class="text">${escapeHtml(role)}</td><td class="text"><code title="${escapeHtml(sha)}">${escapeHtml(shortSha(sha))}…</code></td><td class="text">${escapeHtml(path)}</td></tr>`).join('')}</tbody></table></div>
</body>
</html>
`;
}
