/**
 * A generic line plot as standalone SVG text: one line per series, optional error bars
 * (low–high) at each point, optional horizontal reference lines, a legend on the right.
 * Used by the report (training curves) and the study (accuracy against depth or T).
 */
import { extent, scaleLinear, scaleLog, schemeDark2, schemeSet1, schemeTableau10 } from 'd3';
import { createSvg, n2 } from './svgDocument.js';
import { theme } from './theme.js';

export interface LinePoint {
  x: number;
  y: number;
  /** Error bar ends (e.g. mean ± std); drawn when both are given. */
  low?: number;
  high?: number;
}

export interface LineSeries {
  name: string;
  points: LinePoint[];
  dashed?: boolean;
}

export interface LinePlotOptions {
  series: LineSeries[];
  xLabel: string;
  yLabel: string;
  title?: string;
  /** Tick positions on x (default: d3's nice ticks). */
  xTicks?: number[];
  /** 'log' suits temperatures 1, 2, 4, 8 (default 'linear'). */
  xScale?: 'linear' | 'log';
  yFormat?: (y: number) => string;
  /** Of the plot with its axes (default 560); the legend adds its own width on the right. */
  width?: number;
  height?: number;
  /** Reference levels across the whole plot, e.g. the teacher's accuracy. */
  horizontalLines?: { name: string; y: number }[];
}

/** Series colours in series order (reference lines are grey): Tableau's ten, then more for long legends. */
const COLOURS = [...schemeTableau10, ...schemeDark2, ...schemeSet1.filter((c) => c !== '#ffff33')];
const MARGIN = { top: 28, right: 16, bottom: 44, left: 64 };
const LEGEND_SWATCH = 26;

export function linePlot(options: LinePlotOptions): string {
  const plotWidth = options.width ?? 560;
  const legendRows = options.series.length + (options.horizontalLines?.length ?? 0);
  // A long legend makes the plot taller rather than spilling out of it.
  const height = Math.max(options.height ?? 340, MARGIN.top + 8 + legendRows * 18 + 8);
  const format = options.yFormat ?? ((y: number) => String(Math.round(y * 1000) / 1000));
  const references = options.horizontalLines ?? [];
  const points = options.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const ys = [...points.flatMap((p) => [p.y, p.low ?? p.y, p.high ?? p.y]), ...references.map((r) => r.y)].filter(Number.isFinite);
  const legendNames = [...options.series.map((s) => s.name), ...references.map((r) => r.name)];
  const legendWidth = legendNames.length ? 24 + LEGEND_SWATCH + Math.max(...legendNames.map((name) => name.length)) * theme.fontSize * 0.6 : 0;
  const plotRight = plotWidth - MARGIN.right;
  const width = plotWidth + legendWidth;
  const top = MARGIN.top + (options.title ? 8 : 0);

  const [x0, x1] = extent(points, (p) => p.x) as [number | undefined, number | undefined];
  const [y0, y1] = extent(ys) as [number | undefined, number | undefined];
  const xDomain = x0 === undefined ? [0, 1] : x0 === x1 ? [x0 - 1, x0 + 1] : [x0, x1!];
  const yDomain = y0 === undefined ? [0, 1] : y0 === y1 ? [y0 - Math.abs(y0 || 1) * 0.05, y0 + Math.abs(y0 || 1) * 0.05] : [y0, y1!];
  const x = options.xScale === 'log' && xDomain[0] > 0
    ? scaleLog().domain(xDomain).range([MARGIN.left, plotRight])
    : scaleLinear().domain(xDomain).range([MARGIN.left, plotRight]);
  const y = scaleLinear().domain(yDomain).range([height - MARGIN.bottom, top]).nice();

  const canvas = createSvg();
  const svg = canvas.svg.attr('class', 'line-plot');
  if (options.title) {
    svg.append('text').attr('class', 'title').attr('x', MARGIN.left).attr('y', 18)
      .attr('font-size', theme.titleFontSize).attr('font-weight', 'bold').text(options.title);
  }

  // Axes: grid lines at the y ticks, tick labels, and the two axis titles.
  const axes = svg.append('g').attr('class', 'axes');
  for (const t of y.ticks(6)) {
    axes.append('line').attr('x1', MARGIN.left).attr('x2', plotRight).attr('y1', n2(y(t))).attr('y2', n2(y(t)))
      .attr('stroke', theme.edge).attr('stroke-width', 0.5);
    axes.append('text').attr('x', MARGIN.left - 6).attr('y', n2(y(t) + 4)).attr('text-anchor', 'end').text(format(t));
  }
  const xTicks = options.xTicks ?? (x.ticks(8) as number[]);
  for (const t of xTicks) {
    axes.append('line').attr('x1', n2(x(t))).attr('x2', n2(x(t))).attr('y1', height - MARGIN.bottom).attr('y2', height - MARGIN.bottom + 4)
      .attr('stroke', theme.muted);
    axes.append('text').attr('x', n2(x(t))).attr('y', height - MARGIN.bottom + 16).attr('text-anchor', 'middle').text(String(t));
  }
  axes.append('path').attr('d', `M${MARGIN.left},${top}V${height - MARGIN.bottom}H${n2(plotRight)}`)
    .attr('fill', 'none').attr('stroke', theme.muted);
  axes.append('text').attr('class', 'x-label').attr('x', n2((MARGIN.left + plotRight) / 2)).attr('y', height - 8)
    .attr('text-anchor', 'middle').text(options.xLabel);
  axes.append('text').attr('class', 'y-label').attr('transform', `translate(14,${n2((top + height - MARGIN.bottom) / 2)}) rotate(-90)`)
    .attr('text-anchor', 'middle').text(options.yLabel);

  for (const reference of references) {
    svg.append('line').attr('class', 'reference').attr('x1', MARGIN.left).attr('x2', plotRight)
      .attr('y1', n2(y(reference.y))).attr('y2', n2(y(reference.y)))
      .attr('stroke', theme.muted).attr('stroke-width', 1.5).attr('stroke-dasharray', '8 3 2 3');
  }

  options.series.forEach((series, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const valid = series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    const group = svg.append('g').attr('class', 'series').attr('data-name', series.name);
    if (valid.length > 1) {
      group.append('path').attr('class', 'line').attr('fill', 'none').attr('stroke', colour).attr('stroke-width', 2)
        .attr('stroke-dasharray', series.dashed ? '6 4' : null)
        .attr('d', 'M' + valid.map((p) => `${n2(x(p.x))},${n2(y(p.y))}`).join('L'));
    }
    for (const p of valid) {
      if (p.low !== undefined && p.high !== undefined && Number.isFinite(p.low) && Number.isFinite(p.high)) {
        const [cx, lo, hi] = [n2(x(p.x)), n2(y(p.low)), n2(y(p.high))];
        group.append('path').attr('class', 'error-bar').attr('stroke', colour).attr('stroke-width', 1.25).attr('fill', 'none')
          .attr('d', `M${cx},${lo}V${hi}M${n2(x(p.x) - 4)},${lo}h8M${n2(x(p.x) - 4)},${hi}h8`);
      }
      if (valid.length <= 15) group.append('circle').attr('cx', n2(x(p.x))).attr('cy', n2(y(p.y))).attr('r', 2.5).attr('fill', colour);
    }
  });

  // Legend: one row per series, then the reference lines.
  const legend = svg.append('g').attr('class', 'legend').attr('transform', `translate(${n2(plotRight + 16)},${top})`);
  legendNames.forEach((name, i) => {
    const isSeries = i < options.series.length;
    const row = legend.append('g').attr('transform', `translate(0,${i * 18})`);
    row.append('line').attr('x1', 0).attr('x2', LEGEND_SWATCH).attr('y1', 0).attr('y2', 0).attr('stroke-width', isSeries ? 2 : 1.5)
      .attr('stroke', isSeries ? COLOURS[i % COLOURS.length] : theme.muted)
      .attr('stroke-dasharray', isSeries ? (options.series[i].dashed ? '6 4' : null) : '8 3 2 3');
    row.append('text').attr('x', LEGEND_SWATCH + 6).attr('y', 4).text(name);
  });
  return canvas.finish(width, height);
}
