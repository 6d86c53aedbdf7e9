/**
 * dx of a max pool whose windows tile its input (stride = window, no padding: every pooling
 * layer of the teacher). The wasm backend's own kernel walks NHWC data channel-outermost,
 * a cache miss per element, and took 97 ms of a 390 ms teacher step; this one walks memory
 * in order, in place on the wasm heap, and takes the window's maximum from the pool's own
 * output instead of comparing its way to it (19 ms; a scan for the maximum took 31 ms).
 * For finite values it gives the same bits: each window's gradient goes to its last
 * position holding the maximum, counting only values ≥ FLT_MIN (the smallest positive
 * normal float, the builtin's starting maximum). A window with no such value (all zeros
 * after a ReLU) passes no gradient, except that the builtin's default position is element
 * 0 of the whole tensor, which the first window holds. (The builtin adds 0 + dy · mask, so
 * a −0 or non-finite dy differs there.) The maximum comes from `output`, which must be the
 * forward MaxPool's, as in every gradient tfjs computes. Other pools go to the builtin.
 *
 * With a multiple of four channels, the search runs in wasm SIMD on the backend's heap
 * (heapSimd.ts' poolPick): for each row of windows, the window positions from last to first,
 * each one pass that gives a lane the gradient where x equals the maximum and no later
 * position has taken it (a mask kept per output element): 9 ms of a batch-64 teacher step
 * on a busy machine, where the JavaScript loop below took 31 ms; the same bits.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FLT_MIN, heapSimd } from './heapSimd.js';
import { release, type KernelArgs } from './wasmOps.js';

type PoolInfo = tf.backend_util.Conv2DInfo;

export function maxPoolGrad(args: KernelArgs, builtin: (args: KernelArgs) => tf.TensorInfo): tf.TensorInfo {
  const { inputs, attrs } = args;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(inputs.input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { filterHeight: FH, filterWidth: FW, strideHeight, strideWidth, padInfo, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = info;
  // Whole windows side by side (a 'ceil' rounding may add a partial one at the edge).
  const tiles = strideHeight === FH && strideWidth === FW && padInfo.top + padInfo.bottom + padInfo.left + padInfo.right === 0 && OH * FH <= H && OW * FW <= W;
  if (!tiles || inputs.input.dtype !== 'float32') return builtin(args);
  return (info.inChannels % 4 === 0 ? simdPoolGrad : scalarPoolGrad)(args, info);
}

/** Four channels at a time: poolPick over each row of windows, window positions last to first. */
function simdPoolGrad({ inputs, backend }: KernelArgs, info: PoolInfo): tf.TensorInfo {
  const { filterHeight: FH, filterWidth: FW, batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const dx = backend.makeOutput(inputs.input.shape, 'float32');
  const taken = backend.makeOutput(inputs.dy.shape, 'float32');
  // Views of the heap, taken after the allocations (which may grow and so move it).
  const [x, y, g, out, mask] = [inputs.input, inputs.output, inputs.dy, dx, taken].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
  if (OH * FH < H || OW * FW < W) out.fill(0); // rows or columns that no window covers
  mask.fill(0);
  const { poolPick } = heapSimd(backend);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++) {
      const from = 4 * (n * OH + oh) * OW * C; // byte offset of the output row
      for (let fh = FH - 1; fh >= 0; fh--)
        for (let fw = FW - 1; fw >= 0; fw--) {
          const at = 4 * ((n * H + oh * FH + fh) * W + fw) * C; // position (fh, fw) of the row's first window
          poolPick(x.byteOffset + at, y.byteOffset + from, g.byteOffset + from, out.byteOffset + at, mask.byteOffset + from, OW, C, 4 * FW * C);
        }
    }
  if (!(y[0] >= FLT_MIN)) out[0] = g[0]; // the builtin's default position (above)
  release(backend, taken);
  return dx;
}

/** Any number of channels, one element at a time. */
function scalarPoolGrad({ inputs, backend }: KernelArgs, info: PoolInfo): tf.TensorInfo {
  const { filterHeight: FH, filterWidth: FW, batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const dx = backend.makeOutput(inputs.input.shape, 'float32');
  // Views of the heap, taken after the allocation (which may grow and so move it).
  const [x, y, g, out] = [inputs.input, inputs.output, inputs.dy, dx].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
  out.fill(0);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const corner = ((n * H + oh * FH) * W + ow * FW) * C; // position (0, 0) of the window, channel 0
        const from = ((n * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          const max = y[from + c]; // the pool's output: the window's maximum
          if (!(max >= FLT_MIN)) {
            if (corner + c === 0) out[0] = g[from];
            continue;
          }
          // The last position holding the maximum: search from the window's end.
          let at = corner + c;
          search: for (let fh = FH - 1; fh >= 0; fh--)
            for (let fw = FW - 1; fw >= 0; fw--) {
              at = corner + (fh * W + fw) * C + c;
              if (x[at] === max) break search;
            }
          out[at] = g[from + c];
        }
      }
  return dx;
}
