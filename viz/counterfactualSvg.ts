/**
 * The counterfactual section: input / change / changed input (or, for tabular data, the
 * features changed most), the norms of the change, then the changed input's max path as a
 * strip laid out like the original's, so the two paths compare column by column.
 */
import type { CounterfactualView } from './describeCounterfactual.js';
import { truncate } from './glyphs.js';
import { drawPath } from './pathSvg.js';
import { type Group, n2 } from './svgDocument.js';
import { theme } from './theme.js';

const IMAGE = theme.filterSize;
const GAP = 26;
const ROW = 13;

const fmt = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(2) : v.toFixed(3));

function label(g: Group, value: string, x: number, y: number, options: { anchor?: string; weight?: string; fill?: string; size?: number } = {}) {
  const t = g.append('text').attr('x', n2(x)).attr('y', n2(y)).attr('text-anchor', options.anchor ?? 'start').attr('font-size', options.size ?? theme.smallFontSize + 0.5).text(value);
  if (options.weight) t.attr('font-weight', options.weight);
  if (options.fill) t.attr('fill', options.fill);
}

function picture(g: Group, href: string, x: number, y: number, cls: string): void {
  g.append('image').attr('class', cls).attr('x', n2(x)).attr('y', n2(y)).attr('width', IMAGE).attr('height', IMAGE)
    .attr('image-rendering', 'optimizeSpeed').attr('preserveAspectRatio', 'none').attr('href', href);
  g.append('rect').attr('x', n2(x)).attr('y', n2(y)).attr('width', IMAGE).attr('height', IMAGE).attr('fill', 'none').attr('stroke', theme.frame).attr('stroke-width', 0.5);
}

/** Draws the section into `g` (origin top left) and returns its size. */
export function drawCounterfactual(g: Group, view: CounterfactualView): { width: number; height: number } {
  g.attr('class', 'counterfactual').attr('data-found', view.found ? 'true' : 'false');
  const names = view.classNames;
  const { found } = view;
  if (!found) {
    const what = view.request === 'auto' ? 'another class' : `class ${view.request}`;
    label(g, `None found: no change within the input range that the search tried makes the max path end in a leaf of ${what}.`, 0, 12, { weight: 'bold', fill: theme.bad });
    const { solves, leavesTried, candidateLeaves, complete } = view.search;
    label(g, `${solves} QPs over ${leavesTried} of ${candidateLeaves} candidate leaves${complete ? '' : ' (stopped by the budget: --budget raises it)'}`, 0, 12 + ROW, { fill: theme.muted });
    return { width: 560, height: 12 + 2 * ROW };
  }
  let top = 0;
  let width = 0;
  if (found.image) {
    const panels: [string, string, string][] = [
      [`input x → ${truncate(names[view.fromClass], 12)}`, found.inputImage!, 'input'],
      ['change δ', found.changeImage!, 'change'],
      [`x + δ → ${truncate(names[found.toClass], 12)}`, found.changedImage!, 'changed'],
    ];
    panels.forEach(([title, href, cls], i) => {
      const x = i * (IMAGE + GAP);
      label(g, title, x, 10);
      picture(g, href, x, 16, cls);
    });
    label(g, 'δ: blue adds ink, red takes it away (scaled to its own max |δ|)', 0, 30 + IMAGE, { fill: theme.muted });
    top = 30 + IMAGE;
    width = 3 * IMAGE + 2 * GAP;
  } else {
    label(g, 'feature: before → after (the largest changes)', 0, 10, { fill: theme.muted });
    found.changes!.forEach((c, i) => {
      const row = g.append('g').attr('class', 'feature-change').attr('data-feature', c.name);
      label(row, `${truncate(c.name, 20)}: ${fmt(c.from)} → ${fmt(c.to)}`, 0, 10 + (i + 1) * ROW);
    });
    top = 10 + (found.changes!.length + 1) * ROW;
    width = 260;
  }
  const facts = [
    `answer ${names[view.fromClass]} → ${names[found.toClass]} (max path now ends in leaf ${found.leaf})`,
    `L2 ‖δ‖ = ${fmt(found.l2)}, L0: ${found.l0} of ${found.inputs} inputs changed`,
    'verified: the predictor gives the new answer on x + δ',
    `search: ${view.search.solves} QPs over ${view.search.leavesTried} of ${view.search.candidateLeaves} candidate leaves`,
  ];
  const factsX = width + GAP;
  facts.forEach((line, i) => label(g, line, factsX, 28 + i * (ROW + 2), { weight: i === 0 ? 'bold' : undefined }));
  width = factsX + 330;
  const stripTop = top + 34;
  label(g, `The changed input's max path, node by node`, 0, stripTop - 10, { weight: 'bold', size: theme.fontSize });
  const strip = drawPath(g.append('g').attr('class', 'counterfactual-path').attr('transform', `translate(0,${n2(stripTop)})`).append('g'), found.path);
  return { width: Math.max(width, strip.width), height: stripTop + strip.height };
}
