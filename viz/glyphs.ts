/**
 * The picture of one node, drawn into a group whose origin is the top centre of the node's
 * box: an inner node's filter (a heatmap, or labelled weight bars for tabular data) and a
 * leaf's class distribution. `glyphSize` gives the box before anything is drawn.
 */
import type { NodeView, TreeView } from './describe.js';

/** What drawing a node needs to know about the whole tree. */
export type GlyphContext = Pick<TreeView, 'classNames' | 'image' | 'flowExamples' | 'interactive'>;
import { type Group, n2, percent } from './svgDocument.js';
import { diverging, hex, theme } from './theme.js';

const HEADER = 15;
const FOOTER = 28;
const LINE = 12;
const BAR_ROW = 9;
const FEATURE_ROW = 12;

/** Rough width of a label in the small font, enough to lay out columns. */
export const textWidth = (text: string, size = theme.smallFontSize) => text.length * size * 0.62;

export const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function classColumn(view: GlyphContext): number {
  return Math.ceil(Math.max(...view.classNames.map((c) => textWidth(truncate(c, 14))), 8)) + 4;
}

export function glyphSize(node: NodeView, view: GlyphContext): { width: number; height: number } {
  if (node.kind === 'leaf') return { width: classColumn(view) + 52, height: HEADER + view.classNames.length * BAR_ROW + FOOTER - 8 };
  const body = view.image ? theme.filterSize : (node.features?.length ?? 0) * FEATURE_ROW;
  return { width: view.image ? theme.filterSize + 12 : 190, height: HEADER + body + 6 + footerLines(node, view) * LINE };
}

/** Inner nodes: a p(right) line when an example is explained; the classes reaching it (or the nodes hidden below). */
function footerLines(node: NodeView, view: GlyphContext): number {
  return (node.p !== undefined || view.interactive ? 1 : 0) + (node.classCounts || node.hiddenBelow > 0 ? 1 : 0);
}

function frame(g: Group, node: NodeView, width: number, height: number): void {
  g.append('rect')
    .attr('class', 'frame')
    .attr('x', n2(-width / 2))
    .attr('width', n2(width))
    .attr('height', n2(height))
    .attr('rx', 4)
    .attr('fill', theme.background)
    .attr('stroke', node.onPath ? theme.path : theme.frame)
    .attr('stroke-width', node.onPath ? 3 : 1);
}

function label(g: Group, text: string, x: number, y: number, options: { anchor?: string; size?: number; weight?: string; fill?: string; cls?: string } = {}): void {
  const t = g.append('text').attr('x', n2(x)).attr('y', n2(y)).attr('text-anchor', options.anchor ?? 'middle').attr('font-size', options.size ?? theme.smallFontSize).text(text);
  if (options.weight) t.attr('font-weight', options.weight);
  if (options.fill) t.attr('fill', options.fill);
  if (options.cls) t.attr('class', options.cls);
}

/** The classes that make up at least 15 % of the examples reaching a node, most common first. */
export function mainClasses(node: NodeView, classNames: string[]): string {
  const counts = node.classCounts ?? [];
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return 'no examples';
  const main = counts.map((c, k) => ({ c, k })).filter(({ c }) => c / total >= 0.15).sort((a, b) => b.c - a.c || a.k - b.k).slice(0, 3);
  return main.length ? main.map(({ k }) => truncate(classNames[k], 8)).join(' · ') : 'mixed';
}

export function drawGlyph(g: Group, node: NodeView, view: GlyphContext): void {
  const { width, height } = glyphSize(node, view);
  g.attr('class', `node ${node.kind}`).attr('data-node-id', node.id);
  if (node.onPath) g.attr('data-on-path', 'true');
  g.append('title').text(tooltip(node, view));
  frame(g, node, width, height);
  const header = node.kind === 'leaf' ? `leaf ${node.leaf}` : `node ${node.id}`;
  label(g, header, 0, 11, { fill: node.onPath ? theme.path : theme.muted, weight: node.onPath ? 'bold' : undefined });
  if (node.kind === 'leaf') drawLeaf(g, node, view, width);
  else if (view.image) drawFilter(g, node);
  else drawFeatures(g, node, width);
  if (node.kind === 'inner') {
    let y = height - footerLines(node, view) * LINE + 6;
    if (node.p !== undefined || view.interactive) {
      const text = node.p === undefined ? '' : `p(right) ${node.p.toFixed(2)}`;
      label(g, text, 0, y, { fill: node.onPath ? theme.path : theme.muted, weight: node.onPath ? 'bold' : undefined, cls: 'branch-p' });
      y += LINE;
    }
    if (node.classCounts) label(g, mainClasses(node, view.classNames), 0, y, { fill: theme.text, cls: 'classes' });
    else if (node.hiddenBelow > 0) label(g, `+${node.hiddenBelow} below`, 0, y, { fill: theme.muted, cls: 'below' });
  }
}

function tooltip(node: NodeView, view: GlyphContext): string {
  const parts = [node.kind === 'leaf' ? `leaf ${node.leaf} (node ${node.id})` : `node ${node.id}`, `depth ${node.depth}`];
  if (node.share !== undefined) parts.push(`${percent(node.share)} of ${view.flowExamples} test examples reach it`);
  if (node.kind === 'inner') parts.push(`bias ${node.bias!.toFixed(3)}`, `max |w| ${node.filterScale!.toFixed(3)}`);
  if (node.hiddenBelow > 0) parts.push(`${node.hiddenBelow} nodes below not drawn`);
  return parts.join(', ');
}

function drawFilter(g: Group, node: NodeView): void {
  const s = theme.filterSize;
  g.append('image')
    .attr('class', 'filter')
    .attr('x', n2(-s / 2))
    .attr('y', HEADER)
    .attr('width', s)
    .attr('height', s)
    .attr('image-rendering', 'optimizeSpeed')
    .attr('preserveAspectRatio', 'none')
    .attr('href', node.filterImage!);
}

/** Tabular filters: the largest-|weight| features, bars from a centre line (blue right, red left). */
function drawFeatures(g: Group, node: NodeView, width: number): void {
  const bars = node.features ?? [];
  const scale = Math.max(...bars.map((b) => Math.abs(b.value)), 1e-12);
  const nameRight = -width / 2 + 88;
  const centre = nameRight + 36;
  const half = 28;
  g.append('line').attr('x1', n2(centre)).attr('x2', n2(centre)).attr('y1', HEADER).attr('y2', HEADER + bars.length * FEATURE_ROW).attr('stroke', theme.frame);
  bars.forEach((bar, r) => {
    const y = HEADER + r * FEATURE_ROW;
    const row = g.append('g').attr('class', 'feature').attr('data-feature', bar.name);
    label(row as unknown as Group, truncate(bar.name, 15), nameRight, y + 9, { anchor: 'end' });
    const length = (Math.abs(bar.value) / scale) * half;
    row.append('rect')
      .attr('x', n2(bar.value >= 0 ? centre : centre - length))
      .attr('y', y + 2)
      .attr('width', n2(Math.max(length, 0.5)))
      .attr('height', FEATURE_ROW - 4)
      .attr('fill', hex(diverging(bar.value >= 0 ? 0.75 : -0.75)));
    label(row as unknown as Group, (bar.value >= 0 ? '+' : '') + bar.value.toFixed(2), centre + half + 2, y + 9, { anchor: 'start', fill: theme.muted });
  });
}

/** A leaf: one bar per class, the top class dark and named below. */
export function drawLeaf(g: Group, node: NodeView, view: GlyphContext, width: number): void {
  const q = node.distribution!;
  const names = classColumn(view);
  const x0 = -width / 2 + names + 2;
  const barMax = width / 2 - 6 - x0;
  view.classNames.forEach((name, k) => {
    const y = HEADER + k * BAR_ROW;
    const top = k === node.topClass;
    label(g, truncate(name, 14), x0 - 3, y + 7, { anchor: 'end', size: 7.5, weight: top ? 'bold' : undefined, fill: top ? theme.text : theme.muted });
    g.append('rect').attr('x', n2(x0)).attr('y', y + 1).attr('width', n2(Math.max(q[k] * barMax, 0.5))).attr('height', BAR_ROW - 2).attr('fill', top ? theme.topBar : theme.bar);
  });
  const y = HEADER + view.classNames.length * BAR_ROW + 12;
  label(g, `${truncate(view.classNames[node.topClass!], 12)} ${percent(q[node.topClass!])}`, 0, y, { size: theme.fontSize, weight: 'bold', cls: 'top-class' });
}
