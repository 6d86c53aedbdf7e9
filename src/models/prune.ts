/**
 * Pruning a soft tree without changing one max-path answer on the examples it is given.
 *
 * Replacing the subtree under node t by one leaf gives that leaf path probability P^t(x),
 * at least every old leaf's under t. So the max-path class of example x stays the same iff
 * either x's max leaf ℓ*(x) lies under t and the new leaf's class is x's old class, or it does
 * not and P^t(x) < P^ℓ*(x). Hence t may become a leaf when
 *   (a) every example whose max leaf lies under t gets the same class c (or none does: a
 *       subtree no example reaches, P^t(x) below every example's max-path probability,
 *       which is what "path mass below ε" means made exact), and
 *   (b) P^t(x) < P^ℓ*(x) for every other example.
 * Subtrees chosen top-down are disjoint, and the conditions stay true together: an example's
 * new max leaf is the collapsed node above its old one (or the old leaf), beating every other.
 * The new leaf's distribution is the path-mass-weighted mean of the old leaves' Q^ℓ (those
 * of class c only, so its top class is c): the mixture changes little, the max path not at all.
 */
import type { TreeFile } from './treeFile.js';
import { TREE_FORMAT_EXPLICIT } from './treeFile.js';
import { createTreePredictor } from './treePredictor.js';
import { fromChildren, treeStructure } from './treeStructure.js';
import { withChecksum } from '../runs/checksum.js';

export interface PruneStats {
  nodesBefore: number;
  nodesAfter: number;
  leavesBefore: number;
  leavesAfter: number;
  depthBefore: number;
  depthAfter: number;
  /** Leaves of the original that are no example's max leaf. */
  leavesUnused: number;
  /** Subtrees made leaves: no example's max path ends in them / all that end there agree. */
  unreached: number;
  singleClass: number;
  examples: number;
}

const NONE = -1;
const MIXED = -2;

export function pruneTree(file: TreeFile, examples: { x: Float32Array; n: number }[]): { file: TreeFile; stats: PruneStats } {
  const structure = treeStructure(file);
  const { inner: I, leaves: L, left, right, parent } = structure;
  const nodes = I + L;
  const predictor = createTreePredictor(file);
  const F = predictor.features;
  const leafClass = file.leaves.logits.map((l) => l.indexOf(Math.max(...l)));
  const classUnder = new Int32Array(nodes).fill(NONE); // (a): the one class ending under t, NONE or MIXED
  const worstMargin = new Float64Array(nodes).fill(-Infinity); // (b): max of log P^t(x) − log P^ℓ*(x) over x ending elsewhere
  const leafMass = new Float64Array(L); // Σ_x P^ℓ(x), for the new leaves' distributions
  const onPath = new Uint8Array(nodes);
  let count = 0;
  for (const split of examples) {
    for (let e = 0; e < split.n; e++, count++) {
      const p = predictor.predict(split.x.subarray(e * F, (e + 1) * F));
      const best = I + p.leaf;
      for (let t = best; t >= 0; t = parent[t]) {
        onPath[t] = 1;
        classUnder[t] = classUnder[t] === NONE || classUnder[t] === p.maxPathClass ? p.maxPathClass : MIXED;
      }
      const top = p.logPath[best];
      for (let t = 0; t < nodes; t++) {
        if (onPath[t]) onPath[t] = 0;
        else if (p.logPath[t] - top > worstMargin[t]) worstMargin[t] = p.logPath[t] - top;
      }
      for (let l = 0; l < L; l++) leafMass[l] += Math.exp(p.logPath[I + l]);
    }
  }

  // Top-down: keep an inner node unless it may become a leaf; collect the new tree breadth first.
  const collapsible = (t: number) => classUnder[t] !== MIXED && worstMargin[t] < 0;
  const leavesUnder = (t: number): number[] => (t < I ? [...leavesUnder(left[t]), ...leavesUnder(right[t])] : [t - I]);
  const keptInner: number[] = [];
  const newLeaves: { logits: number[]; kind: 'leaf' | 'unreached' | 'singleClass' }[] = [];
  const childrenOf: [number, number][] = [];
  // Nodes get their final numbers after the walk: inner nodes in breadth-first order, then leaves.
  type Slot = { kind: 'inner'; old: number } | { kind: 'leaf'; index: number };
  const slotOf = (t: number): Slot => {
    if (t < I && !collapsible(t)) return { kind: 'inner', old: t };
    if (t >= I) {
      newLeaves.push({ logits: file.leaves.logits[t - I], kind: 'leaf' });
    } else {
      const c = classUnder[t];
      const pool = leavesUnder(t).filter((l) => c === NONE || leafClass[l] === c);
      newLeaves.push({ logits: meanLogits(pool.map((l) => file.leaves.logits[l]), pool.map((l) => leafMass[l])), kind: c === NONE ? 'unreached' : 'singleClass' });
    }
    return { kind: 'leaf', index: newLeaves.length - 1 };
  };
  const queue: Slot[] = [slotOf(0)];
  for (let q = 0; q < queue.length; q++) {
    const slot = queue[q];
    if (slot.kind !== 'inner') continue;
    keptInner.push(slot.old);
    const pair: [number, number] = [queue.length, queue.length + 1];
    queue.push(slotOf(left[slot.old]), slotOf(right[slot.old]));
    childrenOf.push(pair);
  }
  // Queue positions → node numbers: the i-th inner slot is node i, the j-th leaf is node I' + j.
  const numberOf = new Int32Array(queue.length);
  let innerSeen = 0;
  queue.forEach((slot, q) => (numberOf[q] = slot.kind === 'inner' ? innerSeen++ : keptInner.length + slot.index));
  const children = childrenOf.map(([a, b]) => [numberOf[a], numberOf[b]] as [number, number]);
  if (keptInner.length === 0) throw new RangeError('every example gets the same class: the pruned tree would be a single leaf, which sdt-tree/2 cannot hold');
  const depth = fromChildren(children, newLeaves.length).depth;

  const pruned = withChecksum({
    format: TREE_FORMAT_EXPLICIT,
    depth,
    inputShape: file.inputShape,
    classNames: file.classNames,
    ...(file.featureNames ? { featureNames: file.featureNames } : {}),
    beta: file.beta,
    inner: { weights: keptInner.map((t) => file.inner.weights[t]), biases: keptInner.map((t) => file.inner.biases[t]), children },
    leaves: { logits: newLeaves.map((l) => l.logits) },
    preprocessing: file.preprocessing,
    training: { ...file.training, prunedFrom: { format: file.format, nodes, examples: count } },
  } as TreeFile);
  const stats: PruneStats = {
    nodesBefore: nodes,
    nodesAfter: keptInner.length + newLeaves.length,
    leavesBefore: L,
    leavesAfter: newLeaves.length,
    depthBefore: structure.depth,
    depthAfter: depth,
    leavesUnused: Array.from({ length: L }, (_, l) => classUnder[I + l]).filter((c) => c === NONE).length,
    unreached: newLeaves.filter((l) => l.kind === 'unreached').length,
    singleClass: newLeaves.filter((l) => l.kind === 'singleClass').length,
    examples: count,
  };
  return { file: pruned, stats };
}

/** log of Σ w_ℓ Q^ℓ / Σ w_ℓ (equal weights when every w underflowed), as logits. */
function meanLogits(logits: number[][], weights: number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const w = total > 0 ? weights.map((v) => v / total) : weights.map(() => 1 / weights.length);
  const K = logits[0].length;
  const mean = new Float64Array(K);
  logits.forEach((l, i) => {
    const m = Math.max(...l);
    const e = l.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    e.forEach((v, k) => (mean[k] += (w[i] * v) / s));
  });
  return Array.from(mean, (v) => Math.log(Math.max(v, 1e-300)));
}
