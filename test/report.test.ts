import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportData, ReportRow } from '../src/report/index.js';
import { formatPercent, summarize } from '../src/report/index.js';
import { linePlot } from '../viz/index.js';
import { closeBrowser, openPage } from './browser.js';
import { expectOneSentence, sdt, type Run } from './run.js';

const scratch = mkdtempSync(join(tmpdir(), 'sdt-report-'));
const runs = join(scratch, 'runs');
const out = join(scratch, 'report');
const tiny = ['--limit', '300', '--quiet'];
let report: Run;
let data: ReportData;
let markdown: string;

const ok = (run: Run) => expect(run.code, run.stderr).toBe(0);
const metrics = (folder: string) => JSON.parse(readFileSync(join(folder, 'metrics.json'), 'utf8'));
const rowOf = (label: string): ReportRow => {
  const row = data.rows.find((r) => r.label === label);
  if (!row) throw new Error(`no row "${label}" in ${data.rows.map((r) => r.label).join(' / ')}`);
  return row;
};
/** The cells of the Markdown comparison table's row for `label`. */
const markdownRow = (text: string, label: string) =>
  text.split('\n').find((line) => line.startsWith(`| ${label} |`))?.split(' | ').map((c) => c.replace(/^\| | \|$/g, ''));

beforeAll(() => {
  // A teacher, a distill job reusing it (baseline d2, distilled d2, CART d8), two seeds of a d3 baseline, a CART d4.
  ok(sdt(['teacher', ...tiny, '--epochs', '1', '--out', join(runs, 'teacher')]));
  ok(sdt(['distill', ...tiny, '--teacher', join(runs, 'teacher'), '--depth', '2', '--epochs', '1', '--out', join(runs, 'job')]));
  for (const seed of ['1', '2']) ok(sdt(['baseline', ...tiny, '--depth', '3', '--epochs', '1', '--seed', seed, '--out', join(runs, `d3-s${seed}`)]));
  ok(sdt(['cart', ...tiny, '--max-depth', '4', '--out', join(runs, 'cart-d4')]));
  report = sdt(['report', runs, '--out', out, '--title', 'tiny report']);
  ok(report);
  data = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  markdown = readFileSync(join(out, 'report.md'), 'utf8');
});

describe('sdt report', () => {
  it('writes report.html, report.md, report.json and the curves; prints the table and the folder', () => {
    for (const name of ['report.html', 'report.md', 'report.json', 'curves-loss.svg', 'curves-validation.svg']) expect(existsSync(join(out, name)), name).toBe(true);
    expect(report.stdout).toContain('| CNN teacher |');
    expect(report.stdout.trim().endsWith(`wrote ${out}`)).toBe(true);
    expect(markdown).toContain('# tiny report');
    expect(markdown).toContain('![Training loss per epoch](curves-loss.svg)');
  });

  it('has one row per model group, teacher first, trees by depth, CART last', () => {
    expect(data.rows.map((r) => r.label)).toEqual([
      'CNN teacher',
      'soft tree d2, hard labels',
      'soft tree d2, distilled T = 4, α = 0.5',
      'soft tree d3, hard labels',
      'CART (max depth 4)',
      'CART (max depth 8)',
    ]);
    expect(rowOf('soft tree d3, hard labels').seeds).toEqual([1, 2]);
  });

  it('shows the numbers of each run folder\'s metrics.json', () => {
    for (const row of data.rows) {
      for (const run of row.runs) {
        const m = metrics(run.folder);
        expect(run.accuracy).toBe(m.test.maxPathAccuracy ?? m.test.accuracy);
        expect(run.mixtureAccuracy).toBe(m.test.mixtureAccuracy ?? null);
        expect(run.parameters).toBe(m.parameters);
        expect(run.trainingSeconds).toBe(m.trainingSeconds);
      }
      expect(row.confusion.matrix).toEqual(metrics(row.runs[0].folder).test.confusion);
    }
    const distilled = metrics(join(runs, 'job', 'distilled'));
    const cells = markdownRow(markdown, 'soft tree d2, distilled T = 4, α = 0.5')!;
    expect(cells.slice(2, 4)).toEqual([`${(distilled.test.maxPathAccuracy * 100).toFixed(2)} %`, `${(distilled.test.mixtureAccuracy * 100).toFixed(2)} %`]);
    expect(cells[5]).toBe(distilled.parameters.toLocaleString('en'));
  });

  it('gives two seeds as mean ± sample std with n = 2', () => {
    const [a, b] = ['d3-s1', 'd3-s2'].map((f) => metrics(join(runs, f)).test.maxPathAccuracy as number);
    const row = rowOf('soft tree d3, hard labels');
    expect(row.accuracy.n).toBe(2);
    expect(row.accuracy.mean).toBeCloseTo((a + b) / 2, 12);
    expect(row.accuracy.std).toBeCloseTo(Math.abs(a - b) / Math.SQRT2, 12);
    const cells = markdownRow(markdown, 'soft tree d3, hard labels')!;
    expect(cells[2]).toBe(`${(((a + b) / 2) * 100).toFixed(2)} ± ${((Math.abs(a - b) / Math.SQRT2) * 100).toFixed(2)} % (n = 2)`);
  });

  it('computes agreement with the teacher as the distill job did, and measures every model', () => {
    const job = JSON.parse(readFileSync(join(runs, 'job', 'comparison.json'), 'utf8')).rows as { model: string; agreementWithTeacher: number }[];
    const jobAgreement = (prefix: string) => job.find((r) => r.model.startsWith(prefix))!.agreementWithTeacher;
    expect(data.teachers).toEqual([{ dataset: 'mnist', folder: join(runs, 'teacher'), source: 'input' }]);
    expect(rowOf('soft tree d2, hard labels').agreement!.mean).toBeCloseTo(jobAgreement('soft tree, hard'), 12);
    expect(rowOf('soft tree d2, distilled T = 4, α = 0.5').agreement!.mean).toBeCloseTo(jobAgreement('soft tree, distilled'), 12);
    expect(rowOf('CART (max depth 8)').agreement!.mean).toBeCloseTo(jobAgreement('CART'), 12);
    expect(markdownRow(markdown, 'CNN teacher')![4]).toBe('reference');
    for (const row of data.rows) {
      expect(row.timing!.latencyMicros, row.label).toBeGreaterThan(0);
      expect(row.timing!.throughput, row.label).toBeGreaterThan(0);
      expect(row.modelBytes, row.label).toBeGreaterThan(0);
    }
    expect(data.measured.timing).toBe(true);
    expect(markdown).toContain(data.measured.cpu);
  });

  it('shows — for what needs a model file when a run has only its metrics, searching nested folders', () => {
    const cell = join(scratch, 'study', 'cell-a', 'baseline');
    mkdirSync(cell, { recursive: true });
    for (const name of ['manifest.json', 'metrics.json']) copyFileSync(join(runs, 'd3-s1', name), join(cell, name));
    const run = sdt(['report', join(scratch, 'study'), '--out', join(scratch, 'report-metrics-only'), '--quiet']);
    ok(run);
    const cells = markdownRow(run.stdout, 'soft tree d3, hard labels')!;
    expect(cells.slice(4, 9)).toEqual(['—', metrics(cell).parameters.toLocaleString('en'), '—', '—', '—']);
  });

  it('leaves out a reproduction of a run it finds too (it would count that run twice), and reports one named or alone', () => {
    const study = join(scratch, 'study-with-reproduction');
    for (const folder of ['d3-s1', 'reproduction-d3-s1']) {
      mkdirSync(join(study, folder), { recursive: true });
      for (const name of ['manifest.json', 'metrics.json']) copyFileSync(join(runs, 'd3-s1', name), join(study, folder, name));
    }
    writeFileSync(join(study, 'reproduction-d3-s1', 'reproduction.json'), JSON.stringify({ of: join(study, 'd3-s1'), rows: [] }));
    const searched = sdt(['report', study, '--out', join(scratch, 'report-searched'), '--quiet']);
    ok(searched);
    expect(JSON.parse(readFileSync(join(scratch, 'report-searched', 'report.json'), 'utf8')).rows[0].runs).toHaveLength(1);
    const named = sdt(['report', join(study, 'reproduction-d3-s1'), '--out', join(scratch, 'report-named'), '--quiet']);
    ok(named);
    expect(JSON.parse(readFileSync(join(scratch, 'report-named', 'report.json'), 'utf8')).rows[0].runs).toHaveLength(1);
    // Its original elsewhere (the path it records moved with copied results): the reproduction is the run found.
    const alone = join(scratch, 'reproductions-only');
    mkdirSync(alone);
    cpSync(join(study, 'reproduction-d3-s1'), join(alone, 'reproduction-d3-s1'), { recursive: true });
    ok(sdt(['report', alone, '--out', join(scratch, 'report-alone'), '--quiet']));
    expect(JSON.parse(readFileSync(join(scratch, 'report-alone', 'report.json'), 'utf8')).rows[0].runs).toHaveLength(1);
  });

  it('fails with one sentence naming the path: missing folder, folder without runs, broken metrics', () => {
    const missing = join(scratch, 'nowhere');
    expect(expectOneSentence(sdt(['report', missing, '--out', join(scratch, 'r1')]))).toContain(missing);
    const empty = join(scratch, 'empty');
    mkdirSync(empty);
    expect(expectOneSentence(sdt(['report', empty, '--out', join(scratch, 'r2')]))).toContain(`${empty} holds no run folders`);
    const broken = join(scratch, 'broken');
    mkdirSync(broken);
    copyFileSync(join(runs, 'cart-d4', 'manifest.json'), join(broken, 'manifest.json'));
    writeFileSync(join(broken, 'metrics.json'), '{"test": ');
    expect(expectOneSentence(sdt(['report', broken, '--out', join(scratch, 'r3')]))).toContain(join(broken, 'metrics.json'));
    for (const r of ['r1', 'r2', 'r3']) expect(existsSync(join(scratch, r))).toBe(false);
    expect(expectOneSentence(sdt(['report', runs]))).toBe("sdt: required option '--out <dir>' not specified");
  });

  it('--help shows an example', () => {
    const help = sdt(['report', '--help']);
    ok(help);
    expect(help.stdout).toMatch(/Example:\n\s+sdt report /);
  });
});

describe('report numbers', () => {
  it('formatPercent writes mean ± sample std (n) for a group and the plain number for one run', () => {
    expect(formatPercent(summarize([0.9621, 0.9629, 0.9613]))).toBe('96.21 ± 0.08 % (n = 3)');
    expect(formatPercent(summarize([0.9621]))).toBe('96.21 %');
    expect(formatPercent(summarize([null]))).toBe('—');
  });
});

describe('linePlot', () => {
  it('draws a line per series, error bars where low/high are given, reference lines and a legend', () => {
    const svg = linePlot({
      series: [
        { name: 'baseline', dashed: true, points: [2, 4, 8].map((x) => ({ x, y: 90 + x, low: 89 + x, high: 91 + x })) },
        { name: 'distilled', points: [2, 4, 8].map((x) => ({ x, y: 91 + x })) },
      ],
      horizontalLines: [{ name: 'teacher', y: 99 }],
      xLabel: 'depth',
      yLabel: 'accuracy (%)',
      xTicks: [2, 4, 8],
    });
    const doc = new JSDOM(svg, { contentType: 'image/svg+xml' }).window.document;
    expect(doc.querySelectorAll('g.series path.line')).toHaveLength(2);
    expect(doc.querySelectorAll('g.series[data-name="baseline"] path.error-bar')).toHaveLength(3);
    expect(doc.querySelectorAll('g.series[data-name="distilled"] path.error-bar')).toHaveLength(0);
    expect(doc.querySelectorAll('line.reference')).toHaveLength(1);
    expect([...doc.querySelectorAll('g.legend text')].map((t) => t.textContent)).toEqual(['baseline', 'distilled', 'teacher']);
    expect(doc.querySelector('.x-label')!.textContent).toBe('depth');
  });
});

describe('sdt report in headless Chromium', () => {
  afterAll(closeBrowser);

  it('opens without console errors and requests nothing beyond the file', async () => {
    const { page, errors, requests } = await openPage(`file://${join(out, 'report.html')}`);
    expect(await page.$$eval('table.comparison tbody tr', (trs) => trs.length)).toBe(data.rows.length);
    expect(await page.$$eval('svg.line-plot', (svgs) => svgs.length)).toBe(2);
    expect(await page.$$eval('table.confusion', (tables) => tables.length)).toBe(data.rows.length);
    expect(errors).toEqual([]);
    expect(requests.filter((r) => !r.startsWith('file:') && !r.startsWith('data:'))).toEqual([]);
  });
});
