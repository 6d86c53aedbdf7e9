/**
 * Everything `sdt explain` draws, rendered before anything is written (a failure leaves no
 * partial output): the tree or the path-only strip as SVG, optionally a PNG and the
 * interactive page beside it.
 */
import type { Split } from '../src/data/dataset.js';
import type { CounterfactualSearch } from '../src/models/counterfactual.js';
import type { TreeFile } from '../src/models/treeFile.js';
import type { TreePredictor } from '../src/models/treePredictor.js';
import { imageShape } from '../src/data/inputFile.js';
import { describeTree, type NodeView } from './describe.js';
import { type CounterfactualView, describeCounterfactual } from './describeCounterfactual.js';
import { describePath } from './describePath.js';
import type { Explanation } from './explanation.js';
import { activeInputs, maxPathFlow } from './flow.js';
import { renderPage } from './page.js';
import { renderPathSvg, renderTreeSvg } from './render.js';
import { svgToPng } from './toPng.js';

export interface DrawOptions {
  /** The SVG's path; the PNG and the page go beside it (.png, .html). */
  out: string;
  model: string;
  dataset: string;
  root?: number;
  levels?: number;
  topFeatures: number;
  pathOnly?: boolean;
  png?: boolean;
  html?: boolean;
  /** What was done to the picture given with --input (shown in the drawing). */
  inputNote?: string;
  /** Test examples in the page's strip, and the one it opens with. */
  examples: number;
  initial?: number;
  /** A counterfactual search for the explained example, and what was asked of it (a class name or "auto"). */
  counterfactual?: { search: CounterfactualSearch; request: string; sparse: boolean };
}

export interface Drawing {
  /** [path, content] of every file, the SVG first. */
  files: [string, string | Uint8Array][];
  treeNodesDrawn: number;
  counterfactual?: CounterfactualView;
}

export function drawExplanation(file: TreeFile, predictor: TreePredictor, test: Split, explanation: Explanation | undefined, o: DrawOptions): Drawing {
  const F = predictor.features;
  const flow = maxPathFlow(file, predictor, test);
  const inputMask = imageShape(file.inputShape) ? activeInputs(test, F) : undefined;
  const meta = { model: o.model, dataset: o.dataset };
  const root = o.root ?? 0;
  const view = describeTree(file, { root, levels: o.levels, flow, explanation, topFeatures: o.topFeatures, inputMask });
  const path = explanation ? describePath(file, explanation, { topFeatures: Math.min(o.topFeatures, 5), inputMask, inputNote: o.inputNote }) : undefined;
  const counterfactual = explanation && o.counterfactual
    ? describeCounterfactual(file, predictor, explanation, o.counterfactual.search, { request: o.counterfactual.request, sparse: o.counterfactual.sparse, topFeatures: Math.min(o.topFeatures, 5), inputMask })
    : undefined;
  const svg = o.pathOnly && path ? renderPathSvg(path, meta, file.depth, counterfactual) : renderTreeSvg(view, meta, path, counterfactual);
  const files: Drawing['files'] = [[o.out, svg]];
  const beside = (ext: string) => o.out.replace(/\.svg$/i, ext);
  if (o.png) files.push([beside('.png'), svgToPng(svg)]);
  if (o.html) {
    const count = Math.min(o.examples, test.n);
    const examples = { x: test.x.subarray(0, count * F), y: test.y.subarray(0, count), n: count };
    files.push([beside('.html'), renderPage(file, examples, meta, { root, levels: o.levels, flow, topFeatures: o.topFeatures, inputMask, initial: o.initial })]);
  }
  const countNodes = (node: NodeView): number => 1 + node.children.reduce((a, c) => a + countNodes(c), 0);
  return { files, treeNodesDrawn: o.pathOnly && path ? 0 : countNodes(view.root), ...(counterfactual ? { counterfactual } : {}) };
}
