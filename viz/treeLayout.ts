/**
 * Where each drawn node goes: d3's tidy tree (Reingold–Tilford) for the horizontal
 * positions, rows as tall as their tallest node for the vertical ones.
 */
import { hierarchy, tree } from 'd3';
import type { NodeView, TreeView } from './describe.js';
import { glyphSize } from './glyphs.js';

export interface PlacedNode {
  node: NodeView;
  /** Top centre of the node's box. */
  x: number;
  y: number;
  width: number;
  height: number;
  parent?: PlacedNode;
}

export interface TreeLayout {
  nodes: PlacedNode[];
  width: number;
  height: number;
}

export const ROW_GAP = 52;
export const COLUMN_GAP = 14;

export function layoutTree(view: TreeView): TreeLayout {
  const root = hierarchy(view.root, (n) => n.children);
  const sizes = new Map(root.descendants().map((d) => [d.data.id, glyphSize(d.data, view)]));
  const column = Math.max(...[...sizes.values()].map((s) => s.width)) + COLUMN_GAP;
  tree<NodeView>().nodeSize([column, 1]).separation(() => 1)(root);
  const rowHeight: number[] = [];
  for (const d of root.descendants()) rowHeight[d.depth] = Math.max(rowHeight[d.depth] ?? 0, sizes.get(d.data.id)!.height);
  const rowTop = rowHeight.map((_, r) => rowHeight.slice(0, r).reduce((a, h) => a + h + ROW_GAP, 0));
  const minX = Math.min(...root.descendants().map((d) => d.x!)) - column / 2;
  const placed = new Map<number, PlacedNode>();
  for (const d of root.descendants()) {
    const size = sizes.get(d.data.id)!;
    placed.set(d.data.id, { node: d.data, x: d.x! - minX, y: rowTop[d.depth], ...size, parent: d.parent ? placed.get(d.parent.data.id) : undefined });
  }
  const nodes = [...placed.values()];
  return {
    nodes,
    width: Math.max(...nodes.map((p) => p.x)) + column / 2,
    height: rowTop[rowTop.length - 1] + rowHeight[rowHeight.length - 1],
  };
}
