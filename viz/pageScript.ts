/**
 * The interactive page's only script. It is shipped as this function's source text, so it
 * must stay self-contained: no imports, no outside names. The tree's rule comes in as
 * `createRule`, the source text of src/models/treeRule.ts's createTreeRule (the one copy
 * sdt's predictor runs too), so the path it highlights is the max path the model file
 * gives: the leaf of greatest path probability over all leaves, not a greedy descent.
 */
import type { createTreeRule } from '../src/models/treeRule.js';

export interface PageData {
  /** Children of every inner node (src/models/treeStructure.ts): left, right. */
  left: number[];
  right: number[];
  beta: number;
  features: number;
  classNames: string[];
  image: { height: number; width: number; channels: number } | null;
  featureNames: string[];
  /** Float32 weights [I, F], row i node i's filter, base64. */
  weights: string;
  biases: number[];
  leafLogits: number[][];
  /** Preprocessed test examples, Float32 [n, F], base64; their labels; raw = (x − offset) / scale. */
  examples: { x: string; y: number[]; n: number; first: number };
  scale: number[];
  offset: number[];
  /** Inputs drawn blank in filters (0) because they carry no signal; empty: none. */
  mask: number[];
  /** The diverging colour table: 256 RGB triples, flattened. */
  lut: number[];
  path: string;
  /** The example to show when the page opens (the command's --index), or -1. */
  initial: number;
}

export function pageMain(data: PageData, createRule: typeof createTreeRule): void {
  const I = data.left.length;
  const F = data.features;
  const floats = (b64: string) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return new Float32Array(bytes.buffer);
  };
  const W = floats(data.weights);
  const X = floats(data.examples.x);
  const rule = createRule(W, data.biases, data.beta, data.leafLogits, F, { left: data.left, right: data.right });

  function predict(x: Float32Array) {
    const { leaf, leafDistribution, maxPathClass, z, branch, logPath } = rule.predict(x);
    const leafNode = I + leaf;
    const path: number[] = [];
    for (let t = leafNode; ; t = rule.parent[t]) {
      path.unshift(t);
      if (t === 0) break;
    }
    return { leafNode, path, branch, logit: z, q: leafDistribution, answer: maxPathClass, pathProbability: Math.exp(logPath[leafNode]) };
  }

  const el = <T extends keyof HTMLElementTagNameMap>(tag: T, attrs: Record<string, string> = {}, text?: string) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const fmt = (v: number) => (Math.abs(v) >= 100 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : v.toFixed(2));
  const keep = (p: number) => {
    if (data.mask.length === 0) return true;
    for (let c = 0; c < data.image!.channels; c++) if (data.mask[p * data.image!.channels + c]) return true;
    return false;
  };
  const paint = (values: ArrayLike<number>, mode: 'ink' | 'filter' | 'product', cls: string, x?: ArrayLike<number>) => {
    const image = data.image!;
    const canvas = el('canvas', { width: String(image.width), height: String(image.height), class: cls });
    const ctx = canvas.getContext('2d')!;
    const pixels = ctx.createImageData(image.width, image.height);
    const summed = new Float64Array(image.width * image.height);
    for (let p = 0; p < summed.length; p++) for (let c = 0; c < image.channels; c++) summed[p] += values[p * image.channels + c];
    let scale = 0;
    summed.forEach((v, p) => {
      if (mode !== 'filter' || keep(p)) scale = Math.max(scale, Math.abs(v));
    });
    const blank = (p: number) => {
      if (mode === 'filter') return !keep(p);
      if (mode !== 'product' || !x) return false;
      for (let c = 0; c < image.channels; c++) if (x[p * image.channels + c] !== 0) return false;
      return true;
    };
    summed.forEach((v, p) => {
      let rgb: number[];
      if (blank(p)) {
        rgb = [255, 255, 255];
      } else if (mode === 'ink') {
        const g = Math.round(255 * (1 - Math.max(0, Math.min(1, v))));
        rgb = [g, g, g];
      } else {
        const t = scale > 0 ? v / scale : 0;
        const i = Math.round(((Math.max(-1, Math.min(1, t)) + 1) / 2) * 255);
        rgb = data.lut.slice(3 * i, 3 * i + 3);
      }
      pixels.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * p);
    });
    ctx.putImageData(pixels, 0, 0);
    return canvas;
  };

  const buttons = Array.from(document.querySelectorAll<HTMLButtonElement>('#examples button[data-example]'));
  const predictions = buttons.map((_, e) => predict(X.subarray(e * F, (e + 1) * F)));
  buttons.forEach((button, e) => {
    const ok = predictions[e].answer === data.examples.y[e];
    button.classList.add(ok ? 'right' : 'wrong');
    button.appendChild(el('span', { class: 'verdict' }, `${data.classNames[predictions[e].answer]} ${ok ? '✓' : '✗'}`));
    button.addEventListener('click', () => show(e));
  });

  function highlight(onPath: Set<number>, p: Float64Array) {
    document.querySelectorAll<SVGElement>('#tree [data-node-id]').forEach((node) => {
      const id = Number(node.getAttribute('data-node-id'));
      if (onPath.has(id)) node.setAttribute('data-on-path', 'true');
      else node.removeAttribute('data-on-path');
      const label = node.querySelector('text.branch-p');
      if (label && id < I) label.textContent = `p(right) ${p[id].toFixed(2)}`;
    });
    document.querySelectorAll<SVGElement>('#tree path.edge').forEach((edge) => {
      const on = onPath.has(Number(edge.getAttribute('data-from'))) && onPath.has(Number(edge.getAttribute('data-to')));
      if (on) edge.setAttribute('data-on-path', 'true');
      else edge.removeAttribute('data-on-path');
    });
  }

  function show(e: number) {
    const x = X.subarray(e * F, (e + 1) * F);
    const r = predictions[e];
    const label = data.examples.y[e];
    buttons.forEach((b, i) => b.setAttribute('aria-pressed', String(i === e)));
    highlight(new Set(r.path), r.branch);
    document.body.setAttribute('data-selected', String(e));
    document.body.setAttribute('data-leaf-node', String(r.leafNode));
    const panel = document.getElementById('explanation')!;
    panel.replaceChildren();
    const ok = r.answer === label;
    panel.appendChild(el('h2', {}, `Test example ${data.examples.first + e}: true class ${data.classNames[label]}, answer ${data.classNames[r.answer]} ${ok ? '✓' : '✗'}`));
    panel.appendChild(el('p', { class: 'muted' }, `Max path ${r.path.join(' → ')}; path probability ${r.pathProbability.toFixed(3)}. At each node: the input x, the filter w, their product x ⊙ w (red pushes left, blue pushes right), the logit βz and p(right).`));
    const strip = el('div', { class: 'strip' });
    for (const node of r.path.slice(0, -1)) {
      const card = el('div', { class: 'step', 'data-node-id': String(node), 'data-on-path': 'true' });
      const right = r.path.includes(data.right[node]);
      card.appendChild(el('div', { class: 'head' }, `node ${node}`));
      const w = W.subarray(node * F, (node + 1) * F);
      const product = Float64Array.from(w, (v, j) => v * x[j]);
      if (data.image) {
        card.appendChild(paint(x, 'ink', 'input'));
        card.appendChild(paint(w, 'filter', 'filter'));
        card.appendChild(paint(product, 'product', 'product', x));
      } else {
        const rows = Array.from(product, (v, j) => ({ v, j })).sort((a, b) => Math.abs(b.v) - Math.abs(a.v) || a.j - b.j).slice(0, 5);
        const table = el('table');
        for (const { v, j } of rows) {
          const raw = data.scale[j] !== 0 ? (x[j] - data.offset[j]) / data.scale[j] : x[j];
          const tr = el('tr', { class: v >= 0 ? 'pos' : 'neg' });
          tr.append(el('td', {}, data.featureNames[j]), el('td', {}, fmt(raw)), el('td', {}, `x·w ${fmt(v)}`));
          table.appendChild(tr);
        }
        card.appendChild(table);
      }
      card.appendChild(el('div', {}, `βz = ${fmt(r.logit[node])}`));
      card.appendChild(el('div', { class: 'p' }, `p(right) ${r.branch[node].toFixed(2)}`));
      card.appendChild(el('div', { class: 'dir' }, right ? 'goes right →' : '← goes left'));
      strip.appendChild(card);
    }
    const leaf = el('div', { class: 'step leaf', 'data-node-id': String(r.leafNode), 'data-on-path': 'true' });
    leaf.appendChild(el('div', { class: 'head' }, `leaf ${r.leafNode - I}`));
    r.q.forEach((q, k) => {
      const row = el('div', { class: k === r.answer ? 'bar top' : 'bar' });
      row.append(el('span', { class: 'name' }, data.classNames[k]), el('span', { class: 'fill', style: `width:${(q * 100).toFixed(1)}%` }));
      leaf.appendChild(row);
    });
    leaf.appendChild(el('div', { class: 'answer' }, `answer: ${data.classNames[r.answer]}`));
    strip.appendChild(leaf);
    panel.appendChild(strip);
  }

  if (data.initial >= 0 && data.initial < buttons.length) show(data.initial);
}
