/**
 * dW for y = conv2d(x, W). With stride s, dilation d and top padding p,
 *   dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·s + kh·d − p, ·, ci] · dy[n, oh, ow, co],
 * which is itself a convolution: of x seen as [ci, H, W, n] (batch ci, channels n) with dy
 * seen as the filter [OH, OW, n, co], at stride d and dilation s — stride and dilation trade
 * places. One XNNPACK convolution and three transposes; no im2col copy. A single input
 * channel (NHWC) goes to filterGradIm2col.ts instead, and with onnxruntime running every NHWC
 * case goes to onnxFilterGrad.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { filterGradOneChannel } from './filterGradIm2col.js';
import { onnxFilterGrad } from './onnxFilterGrad.js';
import { onnxruntimeActive } from './onnxruntime.js';
import { conv2d } from './conv2d.js';
import { release, runWasm, transpose, type KernelArgs } from './wasmOps.js';

export function conv2dBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, format);
  const channelsLast = format === 'channelsLast';
  if (channelsLast && onnxruntimeActive()) return onnxFilterGrad(backend, x, dy, info);
  if (channelsLast && info.inChannels === 1) return filterGradOneChannel(backend, x, dy, info);
  // [ci, H, W, n] and [OH, OW, n, co]
  let xT = transpose(backend, x, channelsLast ? [3, 1, 2, 0] : [1, 2, 3, 0]);
  const dyT = transpose(backend, dy, channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1]);
  // Padding after the image so that exactly filterHeight × filterWidth outputs come out;
  // negative when the forward pass never read the last rows or columns: crop them instead.
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const bottom = (info.filterHeight - 1) * info.dilationHeight + (info.outHeight - 1) * info.strideHeight + 1 - info.inHeight - top;
  const right = (info.filterWidth - 1) * info.dilationWidth + (info.outWidth - 1) * info.strideWidth + 1 - info.inWidth - left;
  if (bottom < 0 || right < 0) {
    const size = [info.inChannels, info.inHeight + Math.min(bottom, 0), info.inWidth + Math.min(right, 0), info.batchSize];
    const cropped = runWasm(tf.Slice, backend, { x: xT }, { begin: [0, 0, 0, 0], size });
    release(backend, xT);
    xT = cropped;
  }
  const grad = conv2d(
    backend, xT, dyT,
    [info.dilationHeight, info.dilationWidth],
    [info.strideHeight, info.strideWidth],
    [top, Math.max(bottom, 0), left, Math.max(right, 0)],
  ); // [ci, KH, KW, co]
  const dW = transpose(backend, grad, [1, 2, 0, 3]); // [KH, KW, ci, co]
  release(backend, xT, dyT, grad);
  return dW;
}
