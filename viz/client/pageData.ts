/** What the interactive page's script reads: the model, the tree's views, the examples. */
import type { PageTree } from '../pageTree.js';

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
  /** Where every node's glyph goes in the view under each node (pageTree.ts). */
  tree: PageTree;
}

/** The page's reading of one input: the rule's prediction (src/models/treeRule.ts) and its max path. */
export interface PagePrediction {
  leafNode: number;
  /** Root first, leaf last. */
  path: number[];
  branch: Float64Array;
  logit: Float64Array;
  q: Float64Array;
  answer: number;
  pathProbability: number;
}
