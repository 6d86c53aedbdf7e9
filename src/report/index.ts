/** Comparison reports of run folders (HTML, Markdown and JSON). */
export type { ReportData, ReportRow, RunSummary } from './data.js';
export { findRunFolders, REPORTED_COMMANDS } from './discover.js';
export { groupRuns, type RunGroup } from './group.js';
export { comparisonMarkdown } from './markdown.js';
export { formatPercent, summarize, type Stat } from './stats.js';
export { writeReport, type ReportOptions } from './writeReport.js';
