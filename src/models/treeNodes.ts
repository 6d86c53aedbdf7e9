/**
 * The fixed shape of a complete binary tree of depth D, shared by the tfjs model, the pure
 * predictor and the renderer. Inner node i has children 2i+1 (left, probability 1 − p_i)
 * and 2i+2 (right, p_i); leaf ℓ is node 2^D − 1 + ℓ.
 */
export const innerCount = (depth: number) => 2 ** depth - 1;
export const leafCount = (depth: number) => 2 ** depth;

/** Depth of node i (the root is 0). */
export const nodeDepth = (node: number) => Math.floor(Math.log2(node + 1));

/** The inner nodes from the root down to (not including) `leaf`'s node, with the branch taken. */
export function pathToLeaf(depth: number, leaf: number): { node: number; right: boolean }[] {
  const steps: { node: number; right: boolean }[] = [];
  for (let child = innerCount(depth) + leaf; child > 0; child = (child - 1) >> 1) {
    steps.push({ node: (child - 1) >> 1, right: child % 2 === 0 });
  }
  return steps.reverse();
}
