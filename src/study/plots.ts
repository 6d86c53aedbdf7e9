/** The study's two figures: test accuracy against depth, and against temperature. */
import { linePlot } from '../../viz/index.js';
import type { Stat } from '../report/stats.js';
import type { SettingSummary } from './summary.js';

/** A mean with its ± std bar, in percent. */
const point = (x: number, s: Stat) => ({ x, y: 100 * s.mean, low: 100 * (s.mean - (s.std ?? 0)), high: 100 * (s.mean + (s.std ?? 0)) });
const percent = (y: number) => `${y.toFixed(1)} %`;

/** Baseline, distilled (at the sweep's temperature) and CART against depth; the teacher as a line. */
export function depthPlot(all: SettingSummary[], teacherAccuracy: number, temperature: number, dataset: string, teacherName = 'CNN teacher'): string {
  const settings = all.filter((s) => s.transfer === 'train');
  const series = (name: string, keep: (s: SettingSummary) => boolean, dashed = false) => ({
    name,
    dashed,
    points: settings.filter(keep).sort((a, b) => a.depth - b.depth).map((s) => point(s.depth, s.maxPath)),
  });
  const depths = [...new Set(settings.map((s) => s.depth))].sort((a, b) => a - b);
  return linePlot({
    title: `${dataset}: test accuracy (max path) against depth, mean ± std over seeds`,
    series: [
      series('soft tree, hard labels', (s) => s.kind === 'baseline'),
      series(`soft tree, distilled (T = ${temperature})`, (s) => s.kind === 'distilled' && s.temperature === temperature),
      series('CART', (s) => s.kind === 'cart', true),
    ].filter((s) => s.points.length > 0),
    horizontalLines: [{ name: teacherName, y: 100 * teacherAccuracy }],
    xLabel: 'tree depth',
    yLabel: 'test accuracy',
    xTicks: depths,
    yFormat: percent,
  });
}

/** The distilled tree at the sweep's depth against temperature; the baseline and the teacher as lines. */
export function temperaturePlot(all: SettingSummary[], teacherAccuracy: number, depth: number, dataset: string, teacherName = 'CNN teacher'): string {
  const settings = all.filter((s) => s.transfer === 'train');
  const distilled = settings.filter((s) => s.kind === 'distilled' && s.depth === depth).sort((a, b) => a.temperature! - b.temperature!);
  const baseline = settings.find((s) => s.kind === 'baseline' && s.depth === depth);
  return linePlot({
    title: `${dataset}: depth-${depth} tree, test accuracy (max path) against temperature`,
    series: [{ name: `soft tree, distilled (depth ${depth})`, points: distilled.map((s) => point(s.temperature!, s.maxPath)) }],
    horizontalLines: [
      ...(baseline ? [{ name: `soft tree, hard labels (depth ${depth})`, y: 100 * baseline.maxPath.mean }] : []),
      { name: teacherName, y: 100 * teacherAccuracy },
    ],
    xLabel: 'temperature T of the soft targets',
    yLabel: 'test accuracy',
    xScale: 'log',
    xTicks: distilled.map((s) => s.temperature!),
    yFormat: percent,
  });
}
