/**
 * Tensor values to and from typed arrays the caller owns, without allocating per call.
 *
 * Allocating a fresh array per read was a tree training step's largest overhead after the
 * products: `dataSync` slices a new array out of the wasm heap, and each new array of
 * hundreds of kilobytes cost 1.5–2.5 ms where copying into one kept from step to step cost
 * 0.2 ms (measured on 784 × 255 floats). On wasm a tensor's memory is read through a view of
 * the heap, and a new tensor copies its values into the heap at once, so the caller's array
 * can be reused; other backends keep the array given, so they get a copy.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackend } from './wasmOps.js';

const onWasm = () => tf.getBackend() === 'wasm';

/** `out` filled with the float32 tensor's values (of the same size). */
export function readInto(t: tf.Tensor, out: Float32Array): Float32Array {
  out.set(onWasm() ? (tf.backend() as WasmBackend).typedArrayFromHeap(t) : t.dataSync());
  return out;
}

/** A tensor of `values`, which the caller may overwrite afterwards. */
export function tensorOf(values: Float32Array, shape: number[]): tf.Tensor {
  return tf.tensor(onWasm() ? values : values.slice(), shape);
}
