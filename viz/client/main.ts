/**
 * The interactive page's script. Like every file in viz/client it is shipped as its
 * function's source text, so it must stay self-contained: no imports, no outside names.
 * Its parts come in as `lib`, among them the tree's rule (src/models/treeRule.ts, the one
 * copy sdt's predictor runs) and the MNIST normalisation (src/data/mnistNormalise.ts, the
 * one `sdt explain --input` runs), so the path the page shows is the CLI's max path: the
 * leaf of greatest path probability over all leaves, not a greedy descent.
 *
 * For tests and users the page keeps its state on <body>: data-source (what is explained),
 * data-path (its max path, node numbers root first), data-leaf-node, data-answer and
 * data-view-root; the drawing's normalised input is #pad-input's data-ink.
 */
import type { createMnistNormaliser } from '../../src/data/mnistNormalise.js';
import type { createTreeRule } from '../../src/models/treeRule.js';
import type { createDom } from './dom.js';
import type { createPad, PadInput } from './pad.js';
import type { PageData, PagePrediction } from './pageData.js';
import type { createPanel } from './panel.js';
import type { createStrip } from './strip.js';
import type { createTreeView } from './treeView.js';

export interface PageLib {
  createRule: typeof createTreeRule;
  createNormaliser: typeof createMnistNormaliser;
  createDom: typeof createDom;
  createPanel: typeof createPanel;
  createTreeView: typeof createTreeView;
  createStrip: typeof createStrip;
  createPad: typeof createPad;
}

export function pageMain(data: PageData, lib: PageLib): void {
  const I = data.left.length;
  const F = data.features;
  const floats = (b64: string) => new Float32Array(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer);
  const W = floats(data.weights);
  const X = floats(data.examples.x);
  const rule = lib.createRule(W, data.biases, data.beta, data.leafLogits, F, { left: data.left, right: data.right });

  const predict = (x: Float32Array): PagePrediction => {
    const { leaf, leafDistribution, maxPathClass, z, branch, logPath } = rule.predict(x);
    const leafNode = I + leaf;
    const path = [leafNode];
    while (path[0] !== 0) path.unshift(rule.parent[path[0]]);
    return { leafNode, path, branch, logit: z, q: leafDistribution, answer: maxPathClass, pathProbability: Math.exp(logPath[leafNode]) };
  };

  const dom = lib.createDom(data);
  const panel = lib.createPanel(data, W, dom);
  const tree = lib.createTreeView(data, rule.parent);
  const show = (source: string, heading: string, x: Float32Array, r: PagePrediction) => {
    tree.highlight(r.path, r.branch);
    panel.show(heading, x, r);
    const state = { source, path: r.path.join(' '), 'leaf-node': String(r.leafNode), answer: data.classNames[r.answer] };
    for (const [k, v] of Object.entries(state)) document.body.setAttribute(`data-${k}`, v);
  };

  const example = (e: number) => X.subarray(e * F, (e + 1) * F);
  const predictions = data.examples.y.map((_, e) => predict(example(e)));
  const strip = lib.createStrip(data, predictions, dom, (e) => {
    strip.select(e);
    const [label, r] = [data.examples.y[e], predictions[e]];
    const verdict = r.answer === label ? '✓' : '✗';
    show(`example ${e}`, `Test example ${data.examples.first + e}: true class ${data.classNames[label]}, answer ${data.classNames[r.answer]} ${verdict}`, example(e), r);
  });

  const image = data.image;
  if (image && image.channels === 1) {
    const note = document.getElementById('pad-note')!;
    const drawn = ({ ink, inverted, asIs, crop, limit }: PadInput, source: string) => {
      if (!ink) {
        note.textContent = `${source}: no ink yet.`;
        strip.select(-1);
        tree.highlight(null, null);
        panel.clear('Nothing to explain: the pad is blank. Draw, or pick a test example.');
        for (const k of ['source', 'path', 'leaf-node', 'answer']) document.body.removeAttribute(`data-${k}`);
        return;
      }
      // raw pixels 0–255 through the model file's preprocessing, as predictor.preprocess does
      const x = Float32Array.from(ink, (v, j) => v * data.scale[j] + data.offset[j]);
      const steps = [...(inverted ? ['inverted'] : []), ...(asIs ? ["used as it is (the model's size)"] : [`cropped to the ink (${crop!.width}×${crop!.height} px)`, `fitted into ${limit}×${limit}`, 'centred by centre of mass'])];
      note.textContent = `${source}: ${steps.join(', ')}`;
      const picture = dom.paint(x, 'ink', 'input');
      picture.id = 'pad-input';
      picture.setAttribute('data-ink', Array.from(ink).join(' '));
      document.getElementById('pad-input')!.replaceWith(picture);
      strip.select(-1);
      const r = predict(x);
      show('drawing', `${source[0].toUpperCase()}${source.slice(1)}: answer ${data.classNames[r.answer]}`, x, r);
    };
    lib.createPad({ width: image.width, height: image.height }, lib.createNormaliser().normalise, drawn);
  }

  if (data.initial >= 0 && data.initial < predictions.length) document.querySelector<HTMLButtonElement>(`#examples button[data-example="${data.initial}"]`)!.click();
}
