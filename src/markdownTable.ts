/** The one way sdt writes a Markdown table: reports, the distill comparison, the study summary, reproductions. */

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Columns from `numericFrom` on are right-aligned. */
export function markdownTable(headers: string[], rows: string[][], numericFrom = 1): string {
  const align = headers.map((_, i) => (i >= numericFrom ? '---:' : '---'));
  return [headers, align, ...rows].map((r, i) => `| ${(i === 1 ? r : r.map(cell)).join(' | ')} |`).join('\n');
}
