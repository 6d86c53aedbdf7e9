/**
 * The path walk (src/models/pathProbabilities.ts) as a TensorFlow.js op with its own gradient:
 * the composition the tree's fused ops replaced, kept for the tests to compare them with.
 */
import * as tf from '@tensorflow/tfjs-core';
import { branchProbabilities, pathsBackward, pathsForward } from '../src/models/pathProbabilities.js';

/** Path probabilities P^t(x) of every node [n, I + L] from the inner nodes' logits z = β(x·w_i + b_i) [n, I]. */
export const pathProbabilities = tf.customGrad(
  ((z: tf.Tensor2D) => {
    const [n, inner] = z.shape;
    const { p, q } = branchProbabilities(z);
    const paths = pathsForward(p, q, n, inner);
    const gradFunc = (dy: tf.Tensor2D) => tf.tensor2d(pathsBackward(dy.dataSync() as Float32Array, paths, p, q, n, inner), [n, inner]);
    return { value: tf.tensor2d(paths, [n, 2 * inner + 1]), gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
) as unknown as (z: tf.Tensor2D) => tf.Tensor2D;
