/**
 * The render-ready description of a tree (dtreeviz's ShadowDecTree, for sdt-tree/1): which
 * nodes are drawn, and for each its picture data, its share of the examples and whether it
 * lies on an explained example's max path. The drawing code reads only this.
 */
import { imageShape, type ImageShape } from '../src/data/inputFile.js';
import type { TreeFile } from '../src/models/treeFile.js';
import { createTreePredictor } from '../src/models/treePredictor.js';
import { descendants, treeStructure, type TreeStructure } from '../src/models/treeStructure.js';
import type { Explanation } from './explanation.js';
import type { Flow } from './flow.js';
import { divergingImage, maxAbs } from './raster.js';

export interface FeatureBar {
  index: number;
  name: string;
  value: number;
}

export interface NodeView {
  /** Node number in the model file's layout (inner nodes 0 … 2^D − 2, then leaves). */
  id: number;
  depth: number;
  kind: 'inner' | 'leaf';
  /** Whether this node is its parent's right child (the branch taken with probability p). */
  right: boolean;
  /** Nodes under this one that are not drawn (0 when its children are drawn, or for a leaf). */
  hiddenBelow: number;
  /** Share of the flow's examples whose max path reaches this node, and their true classes. */
  share?: number;
  classCounts?: number[];
  onPath: boolean;
  /** Inner nodes: the filter as an image (or largest-|weight| features for tabular data). */
  filterImage?: string;
  filterScale?: number;
  bias?: number;
  features?: FeatureBar[];
  /** Branch probability p_i(x) of the explained example at this inner node. */
  p?: number;
  /** Leaves: Q^ℓ and its top class. */
  leaf?: number;
  distribution?: number[];
  topClass?: number;
  children: NodeView[];
}

export interface TreeView {
  root: NodeView;
  depth: number;
  levels: number;
  classNames: string[];
  image?: ImageShape;
  featureNames?: string[];
  flowExamples?: number;
  explanation?: Explanation;
  /** Whether filters hide inputs that carry no signal (drawn blank). */
  masked: boolean;
  /** Drawn for the interactive page: every inner node gets a (blank) p(right) label to fill in. */
  interactive?: boolean;
}

export interface DescribeOptions {
  /** The node whose subtree is drawn (default 0, the root). */
  root?: number;
  /** Levels of nodes drawn (default: all when the subtree has at most 5, else 4). */
  levels?: number;
  flow?: Flow;
  explanation?: Explanation;
  /** Tabular data: features shown per inner node (default 6). */
  topFeatures?: number;
  /** Image data: inputs that carry signal (1) and those drawn blank (0); see flow.activeInputs. */
  inputMask?: Uint8Array;
}

export const DEFAULT_LEVELS = 4;

/** Levels of the subtree under `node`, leaves included. */
export function levelsBelow(structure: TreeStructure, node: number): number {
  return node < structure.inner ? 1 + Math.max(levelsBelow(structure, structure.left[node]), levelsBelow(structure, structure.right[node])) : 1;
}

/** Levels drawn under `root` when none are asked for. */
export function defaultLevels(structure: TreeStructure, root: number): number {
  const below = levelsBelow(structure, root);
  return below <= DEFAULT_LEVELS + 1 ? below : DEFAULT_LEVELS;
}

/** The `count` features of largest |weight|, largest first (ties: lower index first). */
export function topFeatures(weights: number[], names: string[], count: number): FeatureBar[] {
  return weights
    .map((value, index) => ({ index, name: names[index] ?? `feature ${index + 1}`, value }))
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || a.index - b.index)
    .slice(0, count);
}

export function describeTree(file: TreeFile, options: DescribeOptions = {}): TreeView {
  const structure = treeStructure(file);
  const I = structure.inner;
  const nodes = I + structure.leaves;
  const root = options.root ?? 0;
  if (!Number.isInteger(root) || root < 0 || root >= nodes) throw new RangeError(`node ${root} is not in a depth-${file.depth} tree`);
  const levels = Math.min(options.levels ?? defaultLevels(structure, root), levelsBelow(structure, root));
  const image = imageShape(file.inputShape);
  const K = file.classNames.length;
  const onPath = new Set(options.explanation?.path ?? []);
  const names = file.featureNames ?? [];
  const { leafDistributions, leafClasses } = createTreePredictor(file);

  const build = (id: number, level: number): NodeView => {
    const depth = structure.depthOf[id];
    const view: NodeView = { id, depth, kind: id < I ? 'inner' : 'leaf', right: id > 0 && structure.right[structure.parent[id]] === id, hiddenBelow: 0, onPath: onPath.has(id), children: [] };
    if (options.flow) {
      view.share = options.flow.share[id];
      view.classCounts = Array.from(options.flow.classCounts.subarray(id * K, (id + 1) * K));
    }
    if (id < I) {
      const w = file.inner.weights[id];
      view.bias = file.inner.biases[id];
      view.filterScale = maxAbs(w, options.inputMask);
      if (image) view.filterImage = divergingImage(w, image, { mask: options.inputMask });
      else view.features = topFeatures(w, names, options.topFeatures ?? 6);
      if (options.explanation) view.p = options.explanation.prediction.branch[id];
      if (level + 1 < levels) view.children = [build(structure.left[id], level + 1), build(structure.right[id], level + 1)];
      else view.hiddenBelow = descendants(structure, id);
    } else {
      view.leaf = id - I;
      view.distribution = Array.from(leafDistributions[id - I]);
      view.topClass = leafClasses[id - I];
    }
    return view;
  };

  return {
    root: build(root, 0),
    depth: file.depth,
    levels,
    classNames: file.classNames,
    ...(image ? { image } : { featureNames: names.length ? names : file.inner.weights[0].map((_, j) => `feature ${j + 1}`) }),
    masked: Boolean(image && options.inputMask),
    ...(options.flow ? { flowExamples: options.flow.examples } : {}),
    ...(options.explanation ? { explanation: options.explanation } : {}),
  };
}
