/**
 * Whole drawings as SVG text: a tree (optionally with one example's explanation strip
 * under it) or the explanation strip alone. Titles and keys say what is shown.
 */
import { drawCounterfactual } from './counterfactualSvg.js';
import type { TreeView } from './describe.js';
import type { CounterfactualView } from './describeCounterfactual.js';
import type { PathView } from './describePath.js';
import { textWidth } from './glyphs.js';
import { drawLegend, LEGEND_KEY_X } from './legend.js';
import { drawPath } from './pathSvg.js';
import { createSvg, type SvgCanvas } from './svgDocument.js';
import { theme } from './theme.js';
import { drawTree } from './treeSvg.js';

export interface DrawingMeta {
  /** Shown in the title: the model file's name and the dataset's. */
  model: string;
  dataset: string;
}

const MARGIN = 16;
const PRODUCT_NOTE = 'x ⊙ w: the input times the filter, input by input — its sum plus b is z, and βz the logit';
const SECTION_GAP = 28;

function treeNotes(view: TreeView): string[] {
  const notes: string[] = [];
  if (view.flowExamples !== undefined) notes.push(`edge width and %: share of the ${view.flowExamples} test examples whose max path takes the edge`);
  if (view.masked) notes.push('white in a filter: pixels blank in over 99 % of the test images, where a weight cannot sway a decision');
  if (view.flowExamples !== undefined) notes.push(`under each ${view.image ? 'filter' : 'node'}: the true classes that make up ≥ 15 % of the test examples reaching the node`);
  return notes;
}

function explanationNote(path: PathView): string {
  const truth = path.label === undefined ? '' : `, true class ${path.classNames[path.label]}`;
  return `orange: the max path of ${path.source}${truth} → leaf ${path.leaf.leaf}, answer ${path.classNames[path.answer]}`;
}

function treeSubtitle(view: TreeView, meta: DrawingMeta): string {
  const all = view.depth + 1;
  const under = view.root.id === 0 ? '' : `subtree under node ${view.root.id}, `;
  const shown = view.levels === all ? `all ${all} levels` : `${view.levels} levels${under ? '' : ` of ${all}`}`;
  return `${meta.model} · ${meta.dataset} · ${under}${shown}`;
}

/** The counterfactual section under everything else, from `top`; returns its bottom and width. */
function appendCounterfactual(canvas: SvgCanvas, top: number, view: CounterfactualView): { width: number; bottom: number } {
  const sectionTop = top + SECTION_GAP + 12;
  const names = view.classNames;
  const target = view.found ? names[view.found.toClass] : view.request === 'auto' ? 'another class' : view.request;
  const heading = `What would make it ${target}: the least change found (${view.sparse ? 'L2 plus L1, for few changed inputs' : 'L2'}; inputs kept in range)`;
  canvas.svg.append('text').attr('x', MARGIN).attr('y', sectionTop - 10).attr('font-weight', 'bold').attr('class', 'counterfactual-title').text(heading);
  const size = drawCounterfactual(canvas.svg.append('g').attr('transform', `translate(${MARGIN},${sectionTop})`), view);
  return { width: Math.max(size.width, 1.1 * textWidth(heading, theme.fontSize)), bottom: sectionTop + size.height };
}

/**
 * The tree, and when `path` is given, the example's explanation strip below it (and under
 * that the counterfactual, when given).
 */
export function renderTreeSvg(view: TreeView, meta: DrawingMeta, path?: PathView, counterfactual?: CounterfactualView): string {
  const canvas = createSvg();
  const legend = canvas.svg.append('g').attr('transform', `translate(${MARGIN},${MARGIN})`);
  const notes = treeNotes(view);
  if (path) notes.push(explanationNote(path), ...(path.inputNote ? [path.inputNote] : []), PRODUCT_NOTE);
  const legendHeight = drawLegend(legend, view, { title: `Soft decision tree, depth ${view.depth}`, subtitle: treeSubtitle(view, meta), notes });
  const top = MARGIN + legendHeight + SECTION_GAP;
  const treeSize = drawTree(canvas.svg.append('g').attr('class', 'tree').attr('transform', `translate(${MARGIN},${top})`), view);
  let width = Math.max(treeSize.width, 560);
  let height = top + treeSize.height;
  if (path) {
    const stripTop = height + SECTION_GAP + 12;
    const heading = canvas.svg.append('text').attr('x', MARGIN).attr('y', stripTop - 10).attr('font-weight', 'bold').text(`Why: the max path of ${path.source}, node by node`);
    heading.attr('class', 'explanation-title');
    const strip = drawPath(canvas.svg.append('g').attr('transform', `translate(${MARGIN},${stripTop})`), path);
    width = Math.max(width, strip.width);
    height = stripTop + strip.height;
  }
  if (counterfactual) {
    const section = appendCounterfactual(canvas, height, counterfactual);
    [width, height] = [Math.max(width, section.width), section.bottom];
  }
  return canvas.finish(width + 2 * MARGIN, height + MARGIN);
}

/** The compact view: only the explanation strip, with its key (and the counterfactual under it). */
export function renderPathSvg(path: PathView, meta: DrawingMeta, depth: number, counterfactual?: CounterfactualView): string {
  const canvas = createSvg();
  const legend = canvas.svg.append('g').attr('transform', `translate(${MARGIN},${MARGIN})`);
  const truth = path.label === undefined ? '' : ` (true class ${path.classNames[path.label]})`;
  const legendHeight = drawLegend(legend, path, {
    title: `Why ${path.source}${truth} → ${path.classNames[path.answer]}`,
    subtitle: `${meta.model} · ${meta.dataset} · soft decision tree of depth ${depth}: the max path, node by node`,
    notes: [...(path.inputNote ? [path.inputNote] : []), PRODUCT_NOTE],
  });
  const top = MARGIN + legendHeight + SECTION_GAP;
  const strip = drawPath(canvas.svg.append('g').attr('transform', `translate(${MARGIN},${top})`), path);
  let [width, height] = [Math.max(strip.width, 560), top + strip.height];
  if (counterfactual) {
    const section = appendCounterfactual(canvas, height, counterfactual);
    [width, height] = [Math.max(width, section.width), section.bottom];
  }
  return canvas.finish(width + 2 * MARGIN, height + MARGIN);
}

/** The key alone, for the interactive page (its tree view is drawn in the page). */
export function renderLegendSvg(view: TreeView, meta: DrawingMeta): string {
  const canvas = createSvg();
  const legend = canvas.svg.append('g').attr('transform', `translate(${MARGIN},${MARGIN})`);
  const notes = treeNotes(view);
  const height = drawLegend(legend, view, { title: `Soft decision tree, depth ${view.depth}`, subtitle: `${meta.model} · ${meta.dataset}`, notes });
  const width = Math.max(760, LEGEND_KEY_X + Math.max(...notes.map((line) => textWidth(line, 9.5))));
  return canvas.finish(width + 2 * MARGIN, height + MARGIN);
}
