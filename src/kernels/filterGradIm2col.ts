/**
 * dW of a convolution with one input channel (the teacher's first layer) as one matrix product
 *   dW[kh·KW + kw, co] = Σ_p A[kh·KW + kw, p] · dy[p, co],  p = (n, oh, ow),
 *   A[kh·KW + kw, (n, oh, ow)] = x[n, oh·s + kh·d − top, ow·s + kw·d − left] (0 outside).
 * The convolution form in conv2dBackpropFilter.ts has only KH·KW = 25 output pixels of
 * 50,176-long sums here, a shape XNNPACK's convolution runs slowly (measured 30–60 ms against
 * 16–19 ms this way for a batch of 64, on a busy 2-core machine). With one channel each row
 * of A is a run of image rows, copied rather than gathered.
 */
import * as tf from '@tensorflow/tfjs-core';
import { release, runWasm, type WasmBackend } from './wasmOps.js';

export function filterGradOneChannel(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, outChannels: CO } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const P = N * OH * OW;
  const patches = backend.makeOutput([1, KH * KW, P], 'float32');
  // Views of the heap, taken after the allocation (which may grow and so move it).
  const [image, a] = [x, patches].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
  a.fill(0);
  for (let kh = 0; kh < KH; kh++)
    for (let kw = 0; kw < KW; kw++) {
      const shift = kw * dw - left; // iw = ow·s + shift
      const first = Math.max(0, Math.ceil(-shift / sw)); // the outputs whose iw lies in [0, W)
      const last = Math.min(OW, Math.floor((W - 1 - shift) / sw) + 1);
      for (let n = 0; n < N; n++)
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh + kh * dh - top;
          if (ih < 0 || ih >= H || first >= last) continue;
          const to = (kh * KW + kw) * P + (n * OH + oh) * OW;
          const from = (n * H + ih) * W + shift;
          if (sw === 1) a.set(image.subarray(from + first, from + last), to + first);
          else for (let ow = first; ow < last; ow++) a[to + ow] = image[from + ow * sw];
        }
    }
  const dW = runWasm(tf.BatchMatMul, backend, { a: patches, b: { ...dy, shape: [1, P, CO] } }, { transposeA: false, transposeB: false });
  release(backend, patches);
  return { ...dW, shape: [KH, KW, 1, CO] };
}
