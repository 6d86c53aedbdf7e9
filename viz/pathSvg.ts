/**
 * The explanation strip: one column per inner node on the max path (input x, filter w,
 * x ⊙ w, the logit and p(right)), then the chosen leaf with the answer.
 */
import type { PathView, StepView } from './describePath.js';
import { drawGlyph, glyphSize, truncate } from './glyphs.js';
import { type Group, n2 } from './svgDocument.js';
import { diverging, hex, theme } from './theme.js';

const LABELS = 78;
const HEADER = 30;
const GAP = 10;
const CONTRIBUTION_ROW = 13;
/** The chosen leaf is drawn larger than in the tree: it holds the answer. */
const LEAF_ZOOM = 1.5;

const fmt = (v: number) => (Math.abs(v) >= 100 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : v.toFixed(2));

function columnWidth(path: PathView): number {
  return path.image ? theme.panelImageSize + 22 : 196;
}

function text(g: Group, value: string, x: number, y: number, options: { anchor?: string; size?: number; weight?: string; fill?: string; cls?: string } = {}) {
  const t = g.append('text').attr('x', n2(x)).attr('y', n2(y)).attr('text-anchor', options.anchor ?? 'middle').attr('font-size', options.size ?? theme.smallFontSize).text(value);
  if (options.weight) t.attr('font-weight', options.weight);
  if (options.fill) t.attr('fill', options.fill);
  if (options.cls) t.attr('class', options.cls);
  return t;
}

function image(g: Group, href: string, x: number, y: number, cls: string): void {
  const s = theme.panelImageSize;
  g.append('image').attr('class', cls).attr('x', n2(x - s / 2)).attr('y', n2(y)).attr('width', s).attr('height', s)
    .attr('image-rendering', 'optimizeSpeed').attr('preserveAspectRatio', 'none').attr('href', href);
  g.append('rect').attr('x', n2(x - s / 2)).attr('y', n2(y)).attr('width', s).attr('height', s).attr('fill', 'none').attr('stroke', theme.frame).attr('stroke-width', 0.5);
}

/** Rows of the image layout: [label, top y]. */
function imageRows(): [string, number][] {
  const s = theme.panelImageSize + 8;
  return [['input x', HEADER], ['filter w', HEADER + s], ['x ⊙ w', HEADER + 2 * s]];
}

function stepFooterTop(path: PathView): number {
  if (path.image) return HEADER + 3 * (theme.panelImageSize + 8) + 4;
  return HEADER + Math.max(...path.steps.map((s) => s.contributions?.length ?? 0), 1) * CONTRIBUTION_ROW + 22;
}

function drawStep(g: Group, step: StepView, path: PathView, width: number): void {
  g.attr('class', 'step').attr('data-node-id', step.node).attr('data-on-path', 'true');
  const cx = width / 2;
  text(g, `node ${step.node}`, cx, 11, { fill: theme.path, weight: 'bold' });
  text(g, `depth ${step.depth}`, cx, 22, { fill: theme.muted });
  if (path.image) {
    const [input, filter, product] = imageRows();
    image(g, path.inputImage!, cx, input[1], 'input');
    image(g, step.filterImage!, cx, filter[1], 'filter');
    image(g, step.productImage!, cx, product[1], 'product');
  } else {
    drawContributions(g, step, width);
  }
  const y = stepFooterTop(path);
  text(g, `βz = ${fmt(step.logit)}`, cx, y + 10);
  text(g, `p(right) ${step.p.toFixed(2)}`, cx, y + 22, { weight: 'bold', cls: 'branch-p' });
  text(g, step.right ? 'goes right →' : '← goes left', cx, y + 34, { fill: theme.path, weight: 'bold' });
}

/** Tabular step: the features that moved the logit most, as "name = value" and a signed bar of x·w. */
function drawContributions(g: Group, step: StepView, width: number): void {
  const rows = step.contributions ?? [];
  const scale = Math.max(...rows.map((r) => Math.abs(r.product)), 1e-12);
  const centre = width - 44;
  const half = 34;
  text(g, 'feature = value   (w)', 4, HEADER + 2, { anchor: 'start', fill: theme.muted, size: 8 });
  text(g, 'x·w', centre, HEADER + 2, { fill: theme.muted, size: 8 });
  g.append('line').attr('x1', centre).attr('x2', centre).attr('y1', HEADER + 5).attr('y2', HEADER + 5 + rows.length * CONTRIBUTION_ROW).attr('stroke', theme.frame);
  rows.forEach((r, i) => {
    const y = HEADER + 5 + i * CONTRIBUTION_ROW;
    const row = g.append('g').attr('class', 'feature').attr('data-feature', r.name);
    text(row, `${truncate(r.name, 14)} = ${fmt(r.raw)} (${fmt(r.weight)})`, 4, y + 10, { anchor: 'start', size: 8.5 });
    const length = (Math.abs(r.product) / scale) * half;
    row.append('rect').attr('x', n2(r.product >= 0 ? centre : centre - length)).attr('y', y + 3).attr('width', n2(Math.max(length, 0.5))).attr('height', CONTRIBUTION_ROW - 5)
      .attr('fill', hex(diverging(r.product >= 0 ? 0.75 : -0.75)));
  });
}

/** Draws the strip into `g` (origin top left) and returns its size. */
export function drawPath(g: Group, path: PathView): { width: number; height: number } {
  g.attr('class', 'explanation');
  const column = columnWidth(path);
  const footer = stepFooterTop(path);
  if (path.image) {
    for (const [name, y] of imageRows()) text(g, name, LABELS - 8, y + theme.panelImageSize / 2 + 3, { anchor: 'end', fill: theme.muted });
  }
  text(g, 'logit', LABELS - 8, footer + 10, { anchor: 'end', fill: theme.muted });
  text(g, 'branch', LABELS - 8, footer + 22, { anchor: 'end', fill: theme.muted });
  path.steps.forEach((step, i) => {
    const x = LABELS + i * (column + GAP);
    drawStep(g.append('g').attr('transform', `translate(${n2(x)},0)`), step, path, column);
  });
  const leafX = LABELS + path.steps.length * (column + GAP);
  const context = { classNames: path.classNames, image: path.image };
  const leafSize = glyphSize(path.leaf, context);
  const leafG = g.append('g').attr('transform', `translate(${n2(leafX + 6 + (LEAF_ZOOM * leafSize.width) / 2)},0) scale(${LEAF_ZOOM})`);
  drawGlyph(leafG, path.leaf, context);
  const answer = g.append('g').attr('class', 'answer').attr('transform', `translate(${n2(leafX + 6)},${n2(LEAF_ZOOM * leafSize.height + 18)})`);
  const name = path.classNames[path.answer];
  text(answer, `answer: ${name}`, 0, 0, { anchor: 'start', size: theme.titleFontSize, weight: 'bold' });
  let y = 16;
  if (path.label !== undefined) {
    const right = path.label === path.answer;
    text(answer, `true class: ${path.classNames[path.label]} ${right ? '✓' : '✗'}`, 0, y, { anchor: 'start', size: theme.fontSize, weight: 'bold', fill: right ? theme.good : theme.bad });
    y += 14;
  }
  text(answer, `path probability ${path.pathProbability.toFixed(3)}`, 0, y, { anchor: 'start', fill: theme.muted });
  text(answer, `mixture: ${truncate(path.classNames[path.mixtureClass], 14)} (${path.mixtureProbability.toFixed(2)})`, 0, y + 12, { anchor: 'start', fill: theme.muted });
  const width = leafX + 6 + Math.max(LEAF_ZOOM * leafSize.width, 150);
  return { width, height: Math.max(footer + 40, LEAF_ZOOM * leafSize.height + 18 + y + 16) };
}
