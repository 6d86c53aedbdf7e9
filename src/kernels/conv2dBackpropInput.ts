/**
 * dx for y = conv2d(x, W) with unit dilation: the "full" correlation of dy (with stride − 1
 * zeros inserted between its rows and columns when the stride exceeds 1) with W rotated by
 * 180° and its channel axes swapped,
 *   dx[n, ih, iw, ci] = Σ_{kh, kw, co} dy↑[n, ih + p − kh, iw + q − kw, co] · W[kh, kw, ci, co].
 * Cases this cannot express (NCHW, dilation, padding wider than the filter) go to the
 * backend's own kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2d } from './conv2d.js';
import { release, type KernelArgs, type WasmBackend } from './wasmOps.js';

/** W[kh, kw, ci, co] → W'[KH−1−kh, KW−1−kw, co, ci]. */
function rotatedFilter(backend: WasmBackend, filter: tf.TensorInfo): tf.TensorInfo {
  const [KH, KW, CI, CO] = filter.shape;
  const w = backend.readSync(filter.dataId) as Float32Array;
  const rotated = new Float32Array(w.length);
  for (let kh = 0; kh < KH; kh++)
    for (let kw = 0; kw < KW; kw++) {
      const from = (kh * KW + kw) * CI * CO;
      const to = ((KH - 1 - kh) * KW + (KW - 1 - kw)) * CO * CI;
      for (let ci = 0; ci < CI; ci++) for (let co = 0; co < CO; co++) rotated[to + co * CI + ci] = w[from + ci * CO + co];
    }
  return backend.makeOutput([KH, KW, CO, CI], 'float32', undefined, rotated);
}

/** dy with (sh − 1) zero rows and (sw − 1) zero columns between neighbours. */
function spreadOut(backend: WasmBackend, dy: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
  const [N, OH, OW, C] = dy.shape;
  const H = (OH - 1) * sh + 1;
  const W = (OW - 1) * sw + 1;
  const values = backend.readSync(dy.dataId) as Float32Array;
  const spread = new Float32Array(N * H * W * C);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const from = ((n * OH + oh) * OW + ow) * C;
        spread.set(values.subarray(from, from + C), ((n * H + oh * sh) * W + ow * sw) * C);
      }
  return backend.makeOutput([N, H, W, C], 'float32', undefined, spread);
}

export function conv2dBackpropInput(args: KernelArgs, builtin: (args: KernelArgs) => tf.TensorInfo): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, format);
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const top = info.filterHeight - 1 - info.padInfo.top;
  const left = info.filterWidth - 1 - info.padInfo.left;
  const bottom = info.inHeight - ((info.outHeight - 1) * sh + 1) + info.padInfo.top;
  const right = info.inWidth - ((info.outWidth - 1) * sw + 1) + info.padInfo.left;
  if (format !== 'channelsLast' || Math.min(top, left, bottom, right) < 0) return builtin(args);
  const spread = sh === 1 && sw === 1 ? dy : spreadOut(backend, dy, sh, sw);
  const rotated = rotatedFilter(backend, filter);
  const dx = conv2d(backend, spread, rotated, [1, 1], [1, 1], [top, bottom, left, right]);
  release(backend, rotated);
  if (spread !== dy) release(backend, spread);
  return dx;
}
