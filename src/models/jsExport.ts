/**
 * A soft tree as one dependency-free ES module: the weights (float32, base64) and the
 * predictor, which is the source text of createTreeRule (treeRule.ts), the rule the CLI runs.
 * `import { predict, maxPath, classNames } from './tree.mjs'`; predict(x) takes the
 * preprocessed input (x = raw · scale + offset), `preprocess(raw)` does that first.
 */
import type { TreeFile } from './treeFile.js';
import { createTreeRule } from './treeRule.js';
import { treeStructure } from './treeStructure.js';

export function treeToModule(file: TreeFile): string {
  const { left, right } = treeStructure(file);
  const F = file.inputShape.reduce((a, b) => a * b, 1);
  const weights = new Float32Array(file.inner.weights.length * F);
  file.inner.weights.forEach((w, i) => weights.set(w, i * F));
  const data = {
    format: file.format,
    inputShape: file.inputShape,
    classNames: file.classNames,
    preprocessing: file.preprocessing,
    features: F,
    beta: file.beta,
    weights: Buffer.from(weights.buffer).toString('base64'),
    biases: file.inner.biases,
    left: Array.from(left),
    right: Array.from(right),
    leafLogits: file.leaves.logits,
  };
  return `// A soft decision tree exported by sdt (${file.format}); no dependencies. Generated: do not edit.
const data = ${JSON.stringify(data)};
const bytes = Uint8Array.from(atob(data.weights), (c) => c.charCodeAt(0));
const weights = new Float32Array(bytes.buffer);
const createTreeRule = ${createTreeRule.toString()};
const tree = createTreeRule(weights, data.biases, data.beta, data.leafLogits, data.features, data);
const at = (p, j) => (typeof p === 'number' ? p : p[j]);
export const classNames = data.classNames;
export const inputShape = data.inputShape;
/** Model input from raw values (pixels 0–255, CSV numbers). */
export const preprocess = (raw) => Float32Array.from({ length: data.features }, (_, j) => raw[j] * at(data.preprocessing.scale, j) + at(data.preprocessing.offset, j));
/** Every node: max-path leaf and class, mixture, branch probabilities, log path probabilities. */
export const predict = tree.predict;
/** The max path alone, by best-first search. */
export const maxPath = tree.maxPath;
`;
}
