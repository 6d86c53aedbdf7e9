/**
 * The whole tree for the interactive page, so it can show the subtree under any node: every
 * node's glyph drawn once (glyphs.ts, the static drawing's own code), and for every inner
 * node the layout of the view with it at the top (treeLayout.ts: d3's tidy tree). The page
 * script (client/treeView.ts) only clones glyphs into place and draws the edges between them.
 */
import type { TreeFile } from '../src/models/treeFile.js';
import { treeStructure } from '../src/models/treeStructure.js';
import { defaultLevels, describeTree, levelsBelow, type DescribeOptions, type NodeView, type TreeView } from './describe.js';
import { drawGlyph, glyphSize } from './glyphs.js';
import { createSvg } from './svgDocument.js';
import { layoutTree } from './treeLayout.js';
import { edgeLabel, edgeWidth } from './treeSvg.js';

export interface PageView {
  width: number;
  height: number;
  /** Flat [id, x, y] triples: the drawn nodes, x the centre and y the top of each glyph. */
  nodes: number[];
}

export interface PageTree {
  /** views[t]: the view with node t at its top. */
  views: PageView[];
  /** Per node: its glyph's height (edges leave at the bottom), the width of the edge into it and its label. */
  heights: number[];
  edgeWidths: number[];
  edgeLabels: string[];
  /** The view the page opens with (the command's --root). */
  initialRoot: number;
}

const round = (v: number) => Math.round(v * 10) / 10;

/** A node with its subtree cut after `levels` levels (the node itself is the first). */
function cut(node: NodeView, levels: number): NodeView {
  return { ...node, children: levels > 1 ? node.children.map((c) => cut(c, levels - 1)) : [] };
}

/**
 * The page's tree: `glyphs` is the SVG markup of every node's glyph (each a <g data-node-id>
 * drawn at the origin); `tree` where they go in each view. `levels` as the command's
 * --levels (default: all when a subtree has at most 5, else 4).
 */
export function describePageTree(file: TreeFile, options: DescribeOptions): { view: TreeView; glyphs: string; tree: PageTree } {
  const structure = treeStructure(file);
  const full: TreeView = { ...describeTree(file, { ...options, root: 0, levels: levelsBelow(structure, 0), explanation: undefined }), interactive: true };
  const byId: NodeView[] = [];
  const visit = (n: NodeView) => {
    byId[n.id] = n;
    n.children.forEach(visit);
  };
  visit(full.root);
  const canvas = createSvg();
  for (const node of byId) drawGlyph(canvas.svg.append('g'), node, full);
  const views = byId.map((node): PageView => {
    const levels = Math.min(options.levels ?? defaultLevels(structure, node.id), levelsBelow(structure, node.id));
    const layout = layoutTree({ ...full, root: cut(node, levels) });
    return { width: round(layout.width), height: round(layout.height), nodes: layout.nodes.flatMap((p) => [p.node.id, round(p.x), round(p.y)]) };
  });
  const glyphs = [...canvas.svg.node()!.querySelectorAll(':scope > g')].map((g) => g.outerHTML).join('');
  return {
    view: full,
    glyphs,
    tree: {
      views,
      heights: byId.map((n) => round(glyphSize(n, full).height)),
      edgeWidths: byId.map((n) => round(edgeWidth(n.share))),
      edgeLabels: byId.map(edgeLabel),
      initialRoot: options.root ?? 0,
    },
  };
}
