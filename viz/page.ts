/**
 * The interactive page: one self-contained HTML file (no network requests) holding the
 * model, every node's glyph, a strip of test examples, a pad to draw on and a small script
 * (viz/client, shipped as source text). Drawing or clicking an example runs the model in
 * the page, highlights its max path and shows the per-node panels; clicking a node shows
 * the subtree under it.
 */
import { createMnistNormaliser } from '../src/data/mnistNormalise.js';
import type { TreeFile } from '../src/models/treeFile.js';
import { createTreeRule } from '../src/models/treeRule.js';
import { treeStructure } from '../src/models/treeStructure.js';
import { createDom } from './client/dom.js';
import { pageMain } from './client/main.js';
import { createPad } from './client/pad.js';
import type { PageData } from './client/pageData.js';
import { createPanel } from './client/panel.js';
import { createStrip } from './client/strip.js';
import { createTreeView } from './client/treeView.js';
import type { DescribeOptions } from './describe.js';
import { describePageTree } from './pageTree.js';
import { PAGE_STYLE } from './pageStyle.js';
import { inputImage } from './raster.js';
import { renderLegendSvg, type DrawingMeta } from './render.js';
import { divergingTable, theme } from './theme.js';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const base64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const perFeature = (p: number | number[], F: number) => (typeof p === 'number' ? Array.from({ length: F }, () => p) : p);

/** The script: pageMain called on the page's data with its parts, each as its own source text. */
const SCRIPT = `(${pageMain})(JSON.parse(document.getElementById('sdt-data').textContent), {
createRule: ${createTreeRule},
createNormaliser: ${createMnistNormaliser},
createDom: ${createDom},
createPanel: ${createPanel},
createTreeView: ${createTreeView},
createStrip: ${createStrip},
createPad: ${createPad},
});`;

const PAD = `<section id="pad" aria-label="drawing pad">
<h2>Draw a digit</h2>
<canvas id="pad-canvas" width="280" height="280" aria-label="drawing pad: draw with mouse, pen or finger, or drop a picture"></canvas>
<div class="tools"><button type="button" id="pad-clear">Clear</button>
<label>or a picture: <input type="file" id="pad-file" accept="image/*"></label>
<a id="pad-save" download="drawing.png" href="#">Save drawing as PNG</a></div>
<div class="seen"><canvas id="pad-input" width="28" height="28"></canvas><span class="muted" id="pad-note">What the model sees: normalised as MNIST was (and as sdt explain --input does).</span></div>
</section>`;

export interface PageOptions extends Pick<DescribeOptions, 'root' | 'levels' | 'flow' | 'topFeatures' | 'inputMask'> {
  /** The example shown when the page opens. */
  initial?: number;
}

export function renderPage(file: TreeFile, examples: { x: Float32Array; y: Int32Array; n: number }, meta: DrawingMeta, options: PageOptions): string {
  const F = file.inputShape.reduce((a, b) => a * b, 1);
  const weights = new Float32Array(file.inner.weights.length * F);
  file.inner.weights.forEach((w, i) => weights.set(w, i * F));
  const structure = treeStructure(file);
  const { view, glyphs, tree } = describePageTree(file, options);
  const data: PageData = {
    left: Array.from(structure.left),
    right: Array.from(structure.right),
    beta: file.beta,
    features: F,
    classNames: file.classNames,
    image: view.image ?? null,
    featureNames: view.featureNames ?? [],
    weights: base64(weights),
    biases: file.inner.biases,
    leafLogits: file.leaves.logits,
    examples: { x: base64(examples.x.slice(0, examples.n * F)), y: Array.from(examples.y.subarray(0, examples.n)), n: examples.n, first: 0 },
    scale: perFeature(file.preprocessing.scale, F),
    offset: perFeature(file.preprocessing.offset, F),
    mask: options.inputMask ? Array.from(options.inputMask) : [],
    lut: divergingTable().flat(),
    path: meta.model,
    initial: options.initial ?? -1,
    tree,
  };
  const buttons = Array.from({ length: examples.n }, (_, e) => {
    const label = escapeHtml(file.classNames[examples.y[e]]);
    const picture = view.image ? `<img alt="test example ${e}" src="${inputImage(examples.x.subarray(e * F, (e + 1) * F), view.image)}">` : `<span>#${e}</span>`;
    return `<button type="button" data-example="${e}" aria-pressed="false" title="test example ${e}, true class ${label}">${picture}<span class="label">true ${label}</span></button>`;
  }).join('');
  const classes = file.classNames.map((name, k) => `<option value="class-${k}">true class ${escapeHtml(name)}</option>`).join('');
  const drawable = view.image?.channels === 1;
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`sdt: ${meta.model}`)}</title>
<link rel="icon" href="data:,">
<style>${PAGE_STYLE}</style>
</head>
<body>
<h1>Soft decision tree, depth ${file.depth}: ${escapeHtml(meta.model)}</h1>
<p class="muted">${drawable ? 'Draw a digit (or drop a picture) and watch' : 'Click a test example to follow'} its max path — the leaf of greatest path probability — through the tree. Click a node in the tree to see the subtree under it; the breadcrumbs lead back up.</p>
<div id="top">${drawable ? PAD : ''}
<section id="explanation" aria-live="polite"><p class="muted">Nothing to explain yet: ${drawable ? 'draw, or ' : ''}pick a test example.</p></section>
</div>
<h2>Test examples (${escapeHtml(meta.dataset)})</h2>
<p class="muted"><label>Show <select id="example-filter"><option value="all">all</option><option value="wrong">misclassified (✗)</option>${classes}</select></label> <span id="example-count"></span></p>
<section id="examples" aria-label="test examples">${buttons}</section>
<section id="tree" aria-label="the tree">
${renderLegendSvg(view, meta)}
<nav id="breadcrumbs" aria-label="where in the tree"></nav>
<svg id="tree-view" xmlns="http://www.w3.org/2000/svg" font-family="${theme.font}" font-size="${theme.fontSize}" fill="${theme.text}"></svg>
</section>
<template id="sdt-glyphs"><svg xmlns="http://www.w3.org/2000/svg">${glyphs}</svg></template>
<script type="application/json" id="sdt-data">${json}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
