/**
 * Draws a laid-out tree: edges as curves whose width is the share of the test set that
 * flows along them, then every node's glyph. Highlighted (max path) elements carry
 * data-on-path="true"; every node group carries data-node-id.
 */
import { linkVertical } from 'd3';
import type { NodeView, TreeView } from './describe.js';
import { drawGlyph } from './glyphs.js';
import { layoutTree, type PlacedNode } from './treeLayout.js';
import { type Group, n2, percent } from './svgDocument.js';
import { theme } from './theme.js';

const link = linkVertical<{ source: [number, number]; target: [number, number] }, [number, number]>()
  .source((d) => d.source)
  .target((d) => d.target);

export function edgeWidth(share: number | undefined): number {
  return share === undefined ? 1.5 : theme.minEdgeWidth + share * (theme.maxEdgeWidth - theme.minEdgeWidth);
}

/** The label beside the edge into a node: its side (L, R) and the share of examples taking it. */
export function edgeLabel(node: NodeView): string {
  const side = node.right ? 'R' : 'L';
  return node.share === undefined ? side : `${side} ${percent(node.share)}`;
}

/** Draws the tree into `g` (origin top left) and returns its size. */
export function drawTree(g: Group, view: TreeView): { width: number; height: number } {
  const layout = layoutTree(view);
  const edges = g.append('g').attr('class', 'edges').attr('fill', 'none');
  const children = layout.nodes.filter((p): p is PlacedNode & { parent: PlacedNode } => p.parent !== undefined);
  for (const child of children) {
    const onPath = child.node.onPath && child.parent.node.onPath;
    const d = link({ source: [child.parent.x, child.parent.y + child.parent.height], target: [child.x, child.y] })!;
    const path = edges.append('path')
      .attr('class', 'edge')
      .attr('data-from', child.parent.node.id)
      .attr('data-to', child.node.id)
      .attr('d', roundPath(d))
      .attr('stroke', onPath ? theme.path : theme.edge)
      .attr('stroke-width', n2(edgeWidth(child.node.share)));
    if (onPath) path.attr('data-on-path', 'true');
  }
  const labels = g.append('g').attr('class', 'edge-labels').attr('font-size', theme.smallFontSize).attr('fill', theme.muted);
  for (const child of children) {
    const midY = (child.parent.y + child.parent.height + child.y) / 2;
    const midX = (child.parent.x + child.x) / 2;
    labels.append('text').attr('x', n2(midX + (child.node.right ? 6 : -6))).attr('y', n2(midY - 3)).attr('text-anchor', child.node.right ? 'start' : 'end').text(edgeLabel(child.node));
  }
  const nodes = g.append('g').attr('class', 'nodes');
  for (const p of layout.nodes) drawGlyph(nodes.append('g').attr('transform', `translate(${n2(p.x)},${n2(p.y)})`), p.node, view);
  return { width: layout.width, height: layout.height };
}

/** d3's path strings carry full float precision; two decimals are plenty and keep files small. */
const roundPath = (d: string) => d.replace(/-?\d+\.\d+(e-?\d+)?/g, (v) => n2(Number(v)));
