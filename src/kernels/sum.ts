/**
 * Sum over the leading axes (a bias gradient: the conv output [n, h, w, c] summed to [c]).
 * The wasm backend transposes the reduced axes innermost first, a strided copy of the whole
 * tensor; here each output keeps a running sum while the input is read once in memory
 * order. The additions happen in the builtin's order (row after row, in float32), so the
 * bits are the same: four columns at a time in wasm SIMD on the backend's heap (heapSimd.ts;
 * 10 ms of a batch-64 teacher step in JavaScript), or in JavaScript when the columns are not
 * a multiple of four. Other reductions go to the builtin.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapSimd } from './heapSimd.js';
import type { KernelArgs } from './wasmOps.js';

export function sum(args: KernelArgs, builtin: (args: KernelArgs) => tf.TensorInfo): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
  const axes = [...tf.util.parseAxisParam(axis, x.shape)].sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
  if (!leading || x.dtype !== 'float32') return builtin(args);
  const kept = x.shape.slice(axes.length);
  const columns = tf.util.sizeFromShape(kept);
  const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
  const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
  // Views of the heap, taken after the allocation (which may grow and so move it).
  const [values, total] = [x, out].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
  total.fill(0);
  if (columns % 4 === 0) {
    heapSimd(backend).sumRows(values.byteOffset, total.byteOffset, rows, columns);
    return out;
  }
  // Four rows per pass over the running sums, each addition still rounded to float32 in turn.
  const f = Math.fround;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o = r * columns;
    for (let c = 0; c < columns; c++) {
      total[c] = f(f(f(f(total[c] + values[o + c]) + values[o + columns + c]) + values[o + 2 * columns + c]) + values[o + 3 * columns + c]);
    }
  }
  for (; r < rows; r++) for (let c = 0; c < columns; c++) total[c] += values[r * columns + c];
  return out;
}
