/**
 * Who is whose child, for both file formats: sdt-tree/1's implicit complete tree (inner node
 * i's children 2i+1, 2i+2) and sdt-tree/2's explicit `inner.children` (a pruned tree). Every
 * reader (predictor, explanation, drawing, page, exports) walks the tree through this.
 * Numbering is shared: inner nodes 0 … I − 1 (root 0, each child numbered after its parent),
 * then leaf ℓ is node I + ℓ.
 */
import { innerCount, leafCount } from './treeNodes.js';

export interface TreeStructure {
  inner: number;
  leaves: number;
  /** Children of inner node i: left (probability 1 − p_i) and right (p_i). */
  left: Int32Array;
  right: Int32Array;
  /** Parent of every node (−1 for the root). */
  parent: Int32Array;
  /** Depth of every node (root 0), and the deepest leaf's. */
  depthOf: Int32Array;
  depth: number;
}

interface Shaped {
  depth: number;
  inner: { biases: number[]; children?: [number, number][] };
  leaves: { logits: number[][] };
}

const cache = new WeakMap<object, TreeStructure>();

/** The structure of a parsed model file (computed once per file object). */
export function treeStructure(file: Shaped): TreeStructure {
  let structure = cache.get(file);
  if (!structure) {
    structure = file.inner.children ? fromChildren(file.inner.children, file.leaves.logits.length) : complete(file.depth);
    cache.set(file, structure);
  }
  return structure;
}

function complete(depth: number): TreeStructure {
  const I = innerCount(depth);
  return fromChildren(Array.from({ length: I }, (_, i) => [2 * i + 1, 2 * i + 2]), leafCount(depth));
}

/**
 * Builds the structure from explicit children, or explains why they do not form one tree
 * rooted at 0 reaching every node once with every inner child numbered after its parent.
 */
export function fromChildren(children: [number, number][], leaves: number): TreeStructure {
  const I = children.length;
  const nodes = I + leaves;
  const parent = new Int32Array(nodes).fill(-2);
  parent[0] = -1;
  const left = new Int32Array(I);
  const right = new Int32Array(I);
  const depthOf = new Int32Array(nodes);
  children.forEach(([l, r], i) => {
    for (const c of [l, r]) {
      if (!Number.isInteger(c) || c <= i || c >= nodes) throw new RangeError(`inner node ${i} has child ${c}, not a node numbered after it (1–${nodes - 1})`);
      if (parent[c] !== -2) throw new RangeError(`node ${c} has two parents (${parent[c]} and ${i})`);
      parent[c] = i;
    }
    if (parent[i] === -2) throw new RangeError(`inner node ${i} has no parent`);
    [left[i], right[i]] = [l, r];
    depthOf[l] = depthOf[r] = depthOf[i] + 1;
  });
  for (let t = I; t < nodes; t++) if (parent[t] === -2) throw new RangeError(`leaf ${t - I} (node ${t}) has no parent`);
  let depth = 0;
  for (let t = I; t < nodes; t++) depth = Math.max(depth, depthOf[t]);
  return { inner: I, leaves, left, right, parent, depthOf, depth };
}

/** The inner nodes from the root down to node `to` (not included), each with the branch taken. */
export function pathTo(structure: TreeStructure, to: number): { node: number; right: boolean }[] {
  const steps: { node: number; right: boolean }[] = [];
  for (let child = to; structure.parent[child] >= 0; child = structure.parent[child]) {
    const node = structure.parent[child];
    steps.push({ node, right: structure.right[node] === child });
  }
  return steps.reverse();
}

/** Nodes under `node` (not counting it). */
export function descendants(structure: TreeStructure, node: number): number {
  return node < structure.inner ? 2 + descendants(structure, structure.left[node]) + descendants(structure, structure.right[node]) : 0;
}
