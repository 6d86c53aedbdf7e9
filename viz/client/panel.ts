/**
 * The explanation panel of the interactive page: one card per node on the max path (the
 * input, the filter, their product, βz, p(right)) and the leaf's class bars. Shipped as this
 * function's source text: it must stay self-contained (no imports, no outside names).
 */
import type { PageDom } from './dom.js';
import type { PageData, PagePrediction } from './pageData.js';

export function createPanel(data: PageData, W: Float32Array, dom: PageDom) {
  const { el, fmt, paint } = dom;
  const I = data.left.length;
  const F = data.features;
  const panel = document.getElementById('explanation')!;

  const card = (node: number, x: Float32Array, r: PagePrediction) => {
    const step = el('div', { class: 'step', 'data-node-id': String(node), 'data-on-path': 'true' });
    const right = r.path.includes(data.right[node]);
    step.appendChild(el('div', { class: 'head' }, `node ${node}`));
    const w = W.subarray(node * F, (node + 1) * F);
    const product = Float64Array.from(w, (v, j) => v * x[j]);
    if (data.image) {
      step.append(paint(x, 'ink', 'input'), paint(w, 'filter', 'filter'), paint(product, 'product', 'product', x));
    } else {
      const rows = Array.from(product, (v, j) => ({ v, j })).sort((a, b) => Math.abs(b.v) - Math.abs(a.v) || a.j - b.j).slice(0, 5);
      const table = el('table');
      for (const { v, j } of rows) {
        const raw = data.scale[j] !== 0 ? (x[j] - data.offset[j]) / data.scale[j] : x[j];
        const tr = el('tr', { class: v >= 0 ? 'pos' : 'neg' });
        tr.append(el('td', {}, data.featureNames[j]), el('td', {}, fmt(raw)), el('td', {}, `x·w ${fmt(v)}`));
        table.appendChild(tr);
      }
      step.appendChild(table);
    }
    step.appendChild(el('div', {}, `βz = ${fmt(r.logit[node])}`));
    step.appendChild(el('div', { class: 'p' }, `p(right) ${r.branch[node].toFixed(2)}`));
    step.appendChild(el('div', { class: 'dir' }, right ? 'goes right →' : '← goes left'));
    return step;
  };

  const leafCard = (r: PagePrediction) => {
    const leaf = el('div', { class: 'step leaf', 'data-node-id': String(r.leafNode), 'data-on-path': 'true' });
    leaf.appendChild(el('div', { class: 'head' }, `leaf ${r.leafNode - I}`));
    r.q.forEach((q, k) => {
      const row = el('div', { class: k === r.answer ? 'bar top' : 'bar' });
      row.append(el('span', { class: 'name' }, data.classNames[k]), el('span', { class: 'fill', style: `width:${(q * 100).toFixed(1)}%` }));
      leaf.appendChild(row);
    });
    leaf.appendChild(el('div', { class: 'answer' }, `answer: ${data.classNames[r.answer]}`));
    return leaf;
  };

  /** Shows why input x (preprocessed) took its max path; `heading` names it. */
  const show = (heading: string, x: Float32Array, r: PagePrediction) => {
    panel.replaceChildren();
    panel.appendChild(el('h2', {}, heading));
    panel.appendChild(el('p', { class: 'muted' }, `Max path ${r.path.join(' → ')}; path probability ${r.pathProbability.toFixed(3)}. At each node: the input x, the filter w, their product x ⊙ w (red pushes left, blue pushes right), the logit βz and p(right).`));
    const strip = el('div', { class: 'strip' });
    for (const node of r.path.slice(0, -1)) strip.appendChild(card(node, x, r));
    strip.appendChild(leafCard(r));
    panel.appendChild(strip);
  };

  /** No input to explain (a blank drawing): says so. */
  const clear = (message: string) => panel.replaceChildren(el('p', { class: 'muted' }, message));

  return { show, clear };
}
