/**
 * The interactive page: one self-contained HTML file (no network requests) holding the
 * tree's SVG, a strip of test examples, the model and a small script. Clicking an example
 * runs the model in the page, highlights its max path and shows the per-node panels.
 */
import type { TreeFile } from '../src/models/treeFile.js';
import { createTreeRule } from '../src/models/treeRule.js';
import { treeStructure } from '../src/models/treeStructure.js';
import type { TreeView } from './describe.js';
import { inputImage } from './raster.js';
import { renderTreeSvg, type DrawingMeta } from './render.js';
import { pageMain, type PageData } from './pageScript.js';
import { divergingTable, theme } from './theme.js';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const base64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const perFeature = (p: number | number[], F: number) => (typeof p === 'number' ? Array.from({ length: F }, () => p) : p);

const STYLE = `
body { font-family: ${theme.font}; color: ${theme.text}; margin: 16px; background: ${theme.background}; }
h1 { font-size: 18px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 12px 0 4px; }
.muted { color: ${theme.muted}; font-size: 12px; }
#examples { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0 12px; }
#examples button { display: flex; flex-direction: column; align-items: center; gap: 2px; padding: 3px; border: 2px solid ${theme.frame}; border-radius: 4px; background: #fff; cursor: pointer; font: inherit; font-size: 11px; }
#examples button[aria-pressed="true"] { border-color: ${theme.path}; }
#examples button.wrong .verdict { color: ${theme.bad}; font-weight: bold; }
#examples img { width: 42px; height: 42px; image-rendering: pixelated; }
#tree { overflow-x: auto; border-top: 1px solid ${theme.frame}; }
#tree image { image-rendering: pixelated; }
#tree [data-on-path="true"] > rect.frame { stroke: ${theme.path}; stroke-width: 3px; }
#tree path.edge[data-on-path="true"] { stroke: ${theme.path}; }
#tree [data-on-path="true"] > text.branch-p { fill: ${theme.path}; font-weight: bold; }
.strip { display: flex; gap: 8px; flex-wrap: wrap; align-items: flex-start; }
.step { border: 2px solid ${theme.path}; border-radius: 4px; padding: 4px; font-size: 11px; text-align: center; min-width: 64px; }
.step .head { color: ${theme.path}; font-weight: bold; }
.step canvas { display: block; width: 56px; height: 56px; margin: 3px auto; image-rendering: pixelated; border: 1px solid ${theme.frame}; }
.step .p { font-weight: bold; } .step .dir { color: ${theme.path}; font-weight: bold; }
.step table { border-collapse: collapse; font-size: 11px; text-align: left; }
.step tr.pos td:last-child { color: #2166ac; } .step tr.neg td:last-child { color: #b2182b; }
.leaf { min-width: 140px; text-align: left; }
.bar { display: flex; align-items: center; gap: 4px; height: 12px; } .bar .name { width: 92px; text-align: right; color: ${theme.muted}; overflow: hidden; white-space: nowrap; }
.bar .fill { display: inline-block; height: 9px; background: ${theme.bar}; } .bar.top .fill { background: ${theme.topBar}; } .bar.top .name { color: ${theme.text}; font-weight: bold; }
.answer { font-weight: bold; font-size: 14px; margin-top: 4px; }
`;

export function renderPage(file: TreeFile, view: TreeView, examples: { x: Float32Array; y: Int32Array; n: number }, meta: DrawingMeta, options: { inputMask?: Uint8Array; initial?: number } = {}): string {
  const F = file.inputShape.reduce((a, b) => a * b, 1);
  const weights = new Float32Array(file.inner.weights.length * F);
  file.inner.weights.forEach((w, i) => weights.set(w, i * F));
  const structure = treeStructure(file);
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
  };
  const buttons = Array.from({ length: examples.n }, (_, e) => {
    const label = escapeHtml(file.classNames[examples.y[e]]);
    const picture = view.image ? `<img alt="test example ${e}" src="${inputImage(examples.x.subarray(e * F, (e + 1) * F), view.image)}">` : `<span>#${e}</span>`;
    return `<button type="button" data-example="${e}" aria-pressed="false" title="test example ${e}, true class ${label}">${picture}<span class="label">true ${label}</span></button>`;
  }).join('');
  const svg = renderTreeSvg({ ...view, interactive: true }, meta);
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`sdt: ${meta.model}`)}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<h1>Soft decision tree, depth ${file.depth}: ${escapeHtml(meta.model)}</h1>
<p class="muted">Click a test example (${escapeHtml(meta.dataset)}) to follow its max path — the leaf of greatest path probability — through the tree. ✗ marks examples the tree gets wrong.</p>
<section id="examples" aria-label="test examples">${buttons}</section>
<section id="explanation" aria-live="polite"><p class="muted">No example selected.</p></section>
<section id="tree">${svg}</section>
<script type="application/json" id="sdt-data">${json}</script>
<script>(${pageMain.toString()})(JSON.parse(document.getElementById('sdt-data').textContent), ${createTreeRule.toString()});</script>
</body>
</html>
`;
}
