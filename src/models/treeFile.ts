/**
 * The portable model file: self-describing JSON (gzipped when the name ends in .gz) that any
 * program can run. `sdt-tree/1` (what training writes): a complete tree, inner node i's
 * children are 2i+1 (left, probability 1 − p_i) and 2i+2 (right, p_i); leaf ℓ is node
 * 2^D − 1 + ℓ. `sdt-tree/2` (what `sdt prune` writes): the same fields plus explicit
 * `inner.children[i] = [left, right]`, node numbers as in /1 (inner nodes, then leaf ℓ is
 * node I + ℓ), every child numbered after its parent. Both:
 * p_i(x) = σ(beta · (x·weights[i] + biases[i])) on x = raw · scale + offset.
 */
import type { Preprocessing } from '../data/dataset.js';
import { checkInputSize, gunzipBounded, MAX_TEXT_BYTES, readBounded } from '../data/bounded.js';
import { SdtError } from '../errors.js';
import { describeFsError } from '../fsErrors.js';
import { verifyChecksum, withChecksum } from '../runs/checksum.js';
import { innerCount, leafCount } from './treeNodes.js';
import { fromChildren } from './treeStructure.js';

export const TREE_FORMAT = 'sdt-tree/1';
/** The model file's name in a tree's run folder. */
export const TREE_MODEL_NAME = 'tree.json.gz';
/** A tree of any shape, with explicit children (a pruned tree). */
export const TREE_FORMAT_EXPLICIT = 'sdt-tree/2';
export const TREE_FORMATS: readonly string[] = [TREE_FORMAT, TREE_FORMAT_EXPLICIT];

export interface TreeFile {
  format: typeof TREE_FORMAT | typeof TREE_FORMAT_EXPLICIT;
  /** The deepest leaf's depth (for /1, every leaf's). */
  depth: number;
  inputShape: number[];
  classNames: string[];
  featureNames?: string[];
  beta: number;
  inner: { weights: number[][]; biases: number[]; children?: [number, number][] };
  leaves: { logits: number[][] };
  preprocessing: Preprocessing;
  training: Record<string, unknown>;
  /** sha256 of the content (src/runs/checksum.ts); written by sdt, verified when present. */
  checksum?: string;
}

/** Reads a model file whatever its compression: gzip is recognised by its magic bytes. */
export function readModelJson(path: string): unknown {
  const bytes = readBounded(path, `model file ${path}`, describeFsError, MAX_TEXT_BYTES);
  if (bytes.length === 0) throw new SdtError(`model file ${path} is empty.`);
  let text: string;
  try {
    text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipBounded(bytes, `model file ${path}`, MAX_TEXT_BYTES) : bytes).toString('utf8');
  } catch (error) {
    if (error instanceof SdtError) throw error;
    throw new SdtError(`model file ${path} is not valid gzip (truncated or corrupt).`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new SdtError(`model file ${path} is not valid JSON (truncated or corrupt).`);
  }
}

const isFiniteArray = (a: unknown, length: number) =>
  Array.isArray(a) && a.length === length && a.every((v) => typeof v === 'number' && Number.isFinite(v));

/** Checks every field of an sdt-tree/1 object; the first problem found is the error. */
export function parseTreeFile(value: unknown, path: string): TreeFile {
  const fail = (problem: string): never => {
    throw new SdtError(`model file ${path} ${problem}.`);
  };
  if (typeof value !== 'object' || value === null) return fail('does not hold a JSON object');
  const file = value as Partial<TreeFile> & { format?: unknown };
  if (typeof file.format !== 'string' || !TREE_FORMATS.includes(file.format)) {
    return fail(typeof file.format === 'string'
      ? `has format "${file.format}", not "${TREE_FORMAT}" or "${TREE_FORMAT_EXPLICIT}"`
      : `is not an sdt tree (no "format": "${TREE_FORMAT}")`);
  }
  const explicit = file.format === TREE_FORMAT_EXPLICIT;
  const depth = file.depth;
  if (!Number.isInteger(depth) || (depth as number) < 1 || (depth as number) > (explicit ? 64 : 16)) return fail(`has a depth outside 1–${explicit ? 64 : 16}`);
  if (!Array.isArray(file.inputShape) || !file.inputShape.every((d) => Number.isInteger(d) && d > 0)) return fail('has no valid inputShape');
  const features = file.inputShape.reduce((a, b) => a * b, 1);
  if (!Array.isArray(file.classNames) || file.classNames.length < 2) return fail('needs at least two classNames');
  const K = file.classNames.length;
  if (typeof file.beta !== 'number' || !Number.isFinite(file.beta)) return fail('has no finite beta');
  const inner = file.inner;
  if (explicit && (!inner || !Array.isArray(inner.children) || inner.children.length === 0 || !inner.children.every((c) => Array.isArray(c) && c.length === 2))) return fail(`is ${TREE_FORMAT_EXPLICIT} but has no inner.children, one [left, right] pair per inner node`);
  const I = explicit ? inner!.children!.length : innerCount(depth as number);
  const L = explicit ? I + 1 : leafCount(depth as number);
  const shape = explicit ? `${I} inner nodes` : `depth ${depth}`;
  // Checked before any array is walked: the predictor allocates I × features doubles.
  checkInputSize(`model file ${path} declares ${shape} and inputs [${file.inputShape}]: its ${I} × ${features} weights`, 8 * I * features, undefined, 'need');
  if (!inner || !Array.isArray(inner.weights) || inner.weights.length !== I) return fail(`needs ${I} inner.weights arrays for ${shape}`);
  inner.weights.forEach((w, i) => isFiniteArray(w, features) || fail(`has inner.weights[${i}] that is not ${features} finite numbers`));
  if (!isFiniteArray(inner.biases, I)) return fail(`needs ${I} finite inner.biases`);
  const leaves = file.leaves;
  if (!leaves || !Array.isArray(leaves.logits) || leaves.logits.length !== L) return fail(`needs ${L} leaves.logits arrays for ${shape}`);
  leaves.logits.forEach((l, i) => isFiniteArray(l, K) || fail(`has leaves.logits[${i}] that is not ${K} finite numbers`));
  if (explicit) {
    try {
      const structure = fromChildren(inner.children!, L);
      if (structure.depth !== depth) return fail(`has depth ${depth}, but its deepest leaf is at depth ${structure.depth}`);
    } catch (error) {
      return fail(`has inner.children that do not form one tree: ${(error as Error).message}`);
    }
  }
  const pre = file.preprocessing;
  const okPart = (p: unknown) => (typeof p === 'number' && Number.isFinite(p)) || isFiniteArray(p, features);
  if (!pre || !okPart(pre.scale) || !okPart(pre.offset)) return fail('has no valid preprocessing {scale, offset}');
  // Well-formed but changed since sdt wrote it: caught last, after the clearer problems above.
  verifyChecksum(value as Record<string, unknown>, `model file ${path}`);
  return file as TreeFile;
}

/** The file for a trained tree: weights [F, I] become one array per inner node. */
export function treeFileFrom(
  parameters: { weights: Float32Array; biases: Float32Array; leafLogits: Float32Array; beta: number },
  depth: number,
  meta: Pick<TreeFile, 'inputShape' | 'classNames' | 'featureNames' | 'preprocessing' | 'training'>,
): TreeFile {
  const I = innerCount(depth);
  const F = meta.inputShape.reduce((a, b) => a * b, 1);
  const K = meta.classNames.length;
  return withChecksum({
    format: TREE_FORMAT,
    depth,
    inputShape: meta.inputShape,
    classNames: meta.classNames,
    ...(meta.featureNames ? { featureNames: meta.featureNames } : {}),
    beta: parameters.beta,
    inner: {
      weights: Array.from({ length: I }, (_, i) => Array.from({ length: F }, (_, j) => parameters.weights[j * I + i])),
      biases: Array.from(parameters.biases),
    },
    leaves: { logits: Array.from({ length: leafCount(depth) }, (_, l) => Array.from(parameters.leafLogits.subarray(l * K, (l + 1) * K))) },
    preprocessing: meta.preprocessing,
    training: meta.training,
  });
}

/** The inverse of treeFileFrom: the arrays a SoftTree's `write` takes (sdt-tree/1 only). */
export function treeParametersOf(file: TreeFile): { weights: Float32Array; biases: Float32Array; leafLogits: Float32Array; beta: number } {
  const I = innerCount(file.depth);
  const F = file.inputShape.reduce((a, b) => a * b, 1);
  const weights = new Float32Array(F * I);
  file.inner.weights.forEach((w, i) => w.forEach((v, j) => (weights[j * I + i] = v)));
  return {
    weights,
    biases: Float32Array.from(file.inner.biases),
    leafLogits: Float32Array.from(file.leaves.logits.flat()),
    beta: file.beta,
  };
}

export function readTreeFile(path: string): TreeFile {
  return parseTreeFile(readModelJson(path), path);
}
