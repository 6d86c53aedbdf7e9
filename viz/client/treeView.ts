/**
 * The interactive page's tree: the subtree under any node, built from the glyphs drawn once
 * in the <template id="sdt-glyphs"> and the layouts in data.tree (viz/pageTree.ts). Clicking
 * an inner node (or Enter on it) makes it the top of the view; breadcrumbs lead back up.
 * Shipped as this function's source text: it must stay self-contained (no imports, no
 * outside names).
 */
import type { PageData } from './pageData.js';

export function createTreeView(data: PageData, parent: ArrayLike<number>) {
  const SVG = 'http://www.w3.org/2000/svg';
  const MARGIN = 16;
  const I = data.left.length;
  const svg = document.getElementById('tree-view')!;
  const crumbs = document.getElementById('breadcrumbs')!;
  const template = document.getElementById('sdt-glyphs') as HTMLTemplateElement;
  const glyphs = new Map<number, Element>();
  template.content.querySelectorAll('[data-node-id]').forEach((g) => glyphs.set(Number(g.getAttribute('data-node-id')), g));
  let top = data.tree.initialRoot;
  let marked: { path: Set<number>; branch: Float64Array } | null = null;

  const svgEl = (tag: string, attrs: Record<string, string | number>, text?: string) => {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  };

  /** The path from the tree's root down to `node`, root first. */
  const ancestors = (node: number) => {
    const out = [node];
    while (out[0] !== 0) out.unshift(parent[out[0]]);
    return out;
  };

  const drawCrumbs = () => {
    crumbs.replaceChildren();
    ancestors(top).forEach((node, k, all) => {
      if (k > 0) crumbs.append(' › ');
      const name = node === 0 ? 'root (node 0)' : `node ${node}`;
      if (k === all.length - 1) {
        const here = document.createElement('span');
        here.setAttribute('aria-current', 'location');
        here.textContent = name;
        crumbs.append(here);
      } else {
        const up = document.createElement('button');
        up.type = 'button';
        up.setAttribute('data-crumb', String(node));
        up.textContent = name;
        up.addEventListener('click', () => show(node));
        crumbs.append(up);
      }
    });
  };

  /** Marks the max path's nodes and edges in the view, and writes every inner node's p(right). */
  const highlight = (path: number[] | null, branch: Float64Array | null) => {
    marked = path && branch ? { path: new Set(path), branch } : null;
    svg.querySelectorAll('[data-node-id]').forEach((node) => {
      const id = Number(node.getAttribute('data-node-id'));
      if (marked?.path.has(id)) node.setAttribute('data-on-path', 'true');
      else node.removeAttribute('data-on-path');
      const label = node.querySelector('text.branch-p');
      if (label && id < I) label.textContent = marked ? `p(right) ${marked.branch[id].toFixed(2)}` : '';
    });
    svg.querySelectorAll('path.edge').forEach((edge) => {
      const on = marked && marked.path.has(Number(edge.getAttribute('data-from'))) && marked.path.has(Number(edge.getAttribute('data-to')));
      if (on) edge.setAttribute('data-on-path', 'true');
      else edge.removeAttribute('data-on-path');
    });
  };

  /** Draws the view with `node` at its top. */
  const show = (node: number) => {
    top = node;
    const view = data.tree.views[node];
    const [width, height] = [view.width + 2 * MARGIN, view.height + 2 * MARGIN];
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.setAttribute('viewBox', `${-MARGIN} ${-MARGIN} ${width} ${height}`);
    const at = new Map<number, [number, number]>();
    for (let k = 0; k < view.nodes.length; k += 3) at.set(view.nodes[k], [view.nodes[k + 1], view.nodes[k + 2]]);
    const edges = svgEl('g', { class: 'edges', fill: 'none' });
    const labels = svgEl('g', { class: 'edge-labels' });
    const nodes = svgEl('g', { class: 'nodes' });
    for (const [id, [x, y]] of at) {
      const glyph = glyphs.get(id)!.cloneNode(true) as Element;
      glyph.setAttribute('transform', `translate(${x},${y})`);
      if (id < I && id !== node) {
        glyph.setAttribute('tabindex', '0');
        glyph.setAttribute('role', 'button');
        glyph.setAttribute('aria-label', `show the subtree under node ${id}`);
        glyph.classList.add('opens');
      }
      nodes.appendChild(glyph);
      if (id < I && !at.has(data.left[id])) nodes.appendChild(svgEl('text', { class: 'more', x, y: y + data.tree.heights[id] + 12, 'text-anchor': 'middle' }, '▾ more below'));
      const from = at.get(parent[id]);
      if (id === node || !from) continue;
      // The curve of d3.linkVertical, as the static drawing (treeSvg.ts) draws it.
      const [x0, y0, x1, y1] = [from[0], from[1] + data.tree.heights[parent[id]], x, y];
      const ym = (y0 + y1) / 2;
      edges.appendChild(svgEl('path', { class: 'edge', 'data-from': parent[id], 'data-to': id, d: `M${x0},${y0}C${x0},${ym},${x1},${ym},${x1},${y1}`, 'stroke-width': data.tree.edgeWidths[id] }));
      const right = data.right[parent[id]] === id;
      labels.appendChild(svgEl('text', { x: (x0 + x1) / 2 + (right ? 6 : -6), y: ym - 3, 'text-anchor': right ? 'start' : 'end' }, data.tree.edgeLabels[id]));
    }
    svg.replaceChildren(edges, labels, nodes);
    document.body.setAttribute('data-view-root', String(node));
    drawCrumbs();
    highlight(marked ? [...marked.path] : null, marked?.branch ?? null);
  };

  const open = (event: Event) => {
    const glyph = (event.target as Element).closest('.opens');
    if (glyph) show(Number(glyph.getAttribute('data-node-id')));
  };
  svg.addEventListener('click', open);
  svg.addEventListener('keydown', (event) => {
    if ((event as KeyboardEvent).key === 'Enter' || (event as KeyboardEvent).key === ' ') {
      event.preventDefault();
      open(event);
    }
  });

  show(top);
  return { show, highlight };
}
