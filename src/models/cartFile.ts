/**
 * The classic tree's model file, `sdt-cart/1`: plain JSON, flat node arrays as in
 * CartModel. Reading checks everything a damaged or hand-edited file could get wrong, so a
 * loaded model can be walked without further checks (no index out of range, no cycle).
 */
import type { Preprocessing } from '../data/dataset.js';
import { SdtError } from '../errors.js';
import { verifyChecksum, withChecksum } from '../runs/checksum.js';
import { cartModel, type CartModel } from './cart.js';

export const CART_FORMAT = 'sdt-cart/1';
/** The model file's name inside a run folder (gzipped: `writeJsonAtomic` compresses by the name). */
export const CART_MODEL_NAME = 'cart.json.gz';

/** What a model file says about the data besides the tree itself. */
export interface CartFileMeta {
  inputShape: number[];
  classNames: string[];
  preprocessing: Preprocessing;
  /** Free-form facts about the fit (options, examples, seconds, dataset checksums…). */
  training: Record<string, unknown>;
}

export interface CartFileJson extends CartFileMeta {
  format: typeof CART_FORMAT;
  /** sha256 of the content (src/runs/checksum.ts); written by sdt, verified when present. */
  checksum?: string;
  features: number;
  nodes: { feature: number[]; threshold: number[]; left: number[]; right: number[]; counts: number[] };
}

export interface CartFile extends CartFileMeta {
  model: CartModel;
}

export function cartToJson(model: CartModel, meta: CartFileMeta): CartFileJson {
  if (meta.classNames.length !== model.numClasses) throw new Error(`cartToJson: ${meta.classNames.length} class names for ${model.numClasses} classes`);
  if (product(meta.inputShape) !== model.features) throw new Error(`cartToJson: input shape [${meta.inputShape}] does not hold ${model.features} features`);
  return withChecksum({
    format: CART_FORMAT,
    features: model.features,
    inputShape: [...meta.inputShape],
    classNames: [...meta.classNames],
    preprocessing: meta.preprocessing,
    nodes: {
      feature: Array.from(model.feature),
      // A float32 widened to a double prints as a decimal that parses back to the same float32.
      threshold: Array.from(model.threshold),
      left: Array.from(model.left),
      right: Array.from(model.right),
      counts: Array.from(model.counts),
    },
    training: meta.training,
  });
}

/** Reads a parsed `sdt-cart/1` object; `path` only names the file in error messages. */
export function cartFromJson(object: unknown, path: string): CartFile {
  const fail = (problem: string, suggestion?: string): never => {
    throw new SdtError(`model file ${path} ${problem}.`, suggestion);
  };
  if (!isRecord(object)) return fail('does not hold a JSON object');
  const format = object.format;
  if (typeof format === 'string' && format.startsWith('sdt-cart/') && format !== CART_FORMAT) {
    return fail(`is a CART model of format "${format}", which this sdt cannot read (it reads "${CART_FORMAT}")`, 'Use the sdt version that wrote it, or fit the tree again.');
  }
  if (format !== CART_FORMAT) return fail(typeof format === 'string' ? `has format "${format}", not "${CART_FORMAT}"` : `is not an sdt CART model (no "format": "${CART_FORMAT}")`);

  const features = object.features;
  if (!isCount(features) || features < 1) return fail(`has "features" ${show(features)}, not a whole number ≥ 1`);
  const inputShape = object.inputShape;
  if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every((d) => isCount(d) && d >= 1)) {
    return fail('has no valid inputShape (a list of whole numbers ≥ 1)');
  }
  if (product(inputShape) !== features) return fail(`has inputShape [${inputShape}] of ${product(inputShape)} values but ${features} features`);
  const classNames = object.classNames;
  if (!Array.isArray(classNames) || classNames.length === 0 || !classNames.every((c) => typeof c === 'string')) {
    return fail('has no valid classNames (a non-empty list of strings)');
  }
  const preprocessing = object.preprocessing;
  if (!isRecord(preprocessing) || !isNumberOrNumbers(preprocessing.scale) || !isNumberOrNumbers(preprocessing.offset)) {
    return fail('has no valid preprocessing ("scale" and "offset", each a finite number or a list of them)');
  }
  const training = object.training ?? {};
  if (!isRecord(training)) return fail('has a "training" that is not an object');

  const nodes = object.nodes;
  if (!isRecord(nodes)) return fail('has no "nodes" object of node arrays');
  const numClasses = classNames.length;
  const arrays: Record<string, number[]> = {};
  for (const name of ['feature', 'threshold', 'left', 'right', 'counts']) {
    const values = nodes[name];
    if (!Array.isArray(values)) return fail(`has no list nodes.${name}`);
    const bad = values.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) return fail(`has nodes.${name}[${bad}] = ${show(values[bad])}, not a finite number`);
    arrays[name] = values as number[];
  }
  const { feature, threshold, left, right, counts } = arrays;
  const size = feature.length;
  if (size === 0) return fail('has no nodes (a tree has at least a root)');
  for (const name of ['threshold', 'left', 'right']) {
    if (arrays[name].length !== size) return fail(`has ${arrays[name].length} entries in nodes.${name} but ${size} in nodes.feature`);
  }
  if (counts.length !== size * numClasses) {
    return fail(`has ${counts.length} entries in nodes.counts, not ${size} nodes × ${numClasses} classes = ${size * numClasses}`);
  }
  const negative = counts.findIndex((c) => c < 0);
  if (negative >= 0) return fail(`has a negative class count, nodes.counts[${negative}] = ${counts[negative]}`);

  // Children after their parent and every node but the root a child exactly once: a tree.
  const parents = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const f = feature[i];
    if (!Number.isInteger(f) || f < -1 || f >= features) return fail(`has nodes.feature[${i}] = ${f}, outside -1 (leaf) to ${features - 1}`);
    if (f === -1) {
      if (left[i] !== -1 || right[i] !== -1) return fail(`has a leaf, node ${i}, with children ${left[i]} and ${right[i]} (a leaf's are -1)`);
      continue;
    }
    for (const [side, child] of [['left', left[i]], ['right', right[i]]] as const) {
      if (!Number.isInteger(child) || child <= i || child >= size) {
        return fail(`has nodes.${side}[${i}] = ${child}, but a child must be a later node (${i + 1} to ${size - 1})`);
      }
      if (++parents[child] > 1) return fail(`has node ${child} as the child of two nodes`);
    }
  }
  const orphan = parents.findIndex((p, i) => i > 0 && p === 0);
  if (orphan >= 0) return fail(`has node ${orphan}, which the root cannot reach`);
  // Well-formed but changed since sdt wrote it: caught last, after the clearer problems above.
  verifyChecksum(object, `model file ${path}`);

  const model = cartModel(features, numClasses, { feature, threshold, left, right, counts });
  return {
    model,
    inputShape: inputShape as number[],
    classNames: classNames as string[],
    preprocessing: preprocessing as unknown as Preprocessing,
    training,
  };
}

/** A value as a message shows it: NaN stays NaN (JSON would print null), absence is "missing". */
function show(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function isNumberOrNumbers(value: unknown): boolean {
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  return finite(value) || (Array.isArray(value) && value.length > 0 && value.every(finite));
}

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
