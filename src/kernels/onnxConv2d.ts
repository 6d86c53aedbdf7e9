/**
 * A 2-D convolution on onnxruntime (onnxruntime.ts), NHWC in and out as tfjs keeps it:
 *   y[n, oh, ow, co] = act(Σ_{kh, kw, ci} x[n, oh·s + kh·d − top, ow·s + kw·d − left, ci] · W[kh, kw, ci, co] + b[co]).
 * onnxruntime convolves NCHW, so the graph transposes the input, the filter and the output
 * around its Conv (its own multi-threaded transposes, a few percent of the convolution).
 * The forward Conv2D and FusedConv2D kernels come here, and so do both convolution
 * gradients, which are convolutions too (conv2dBackpropFilter.ts, conv2dBackpropInput.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { FLOAT, node, onnx, valueInfo } from './onnxGraph.js';
import { runOnnx } from './onnxruntime.js';
import type { KernelArgs, WasmBackend } from './wasmOps.js';

export function onnxConv2d(
  backend: WasmBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  [sh, sw]: [number, number],
  [dh, dw]: [number, number],
  [top, bottom, left, right]: number[],
  bias?: tf.TensorInfo,
  relu = false,
): tf.TensorInfo {
  const [N, H, W, CI] = x.shape;
  const [KH, KW, , CO] = filter.shape;
  const OH = Math.floor((H + top + bottom - ((KH - 1) * dh + 1)) / sh) + 1;
  const OW = Math.floor((W + left + right - ((KW - 1) * dw + 1)) / sw) + 1;
  const key = `conv2d x${x.shape} w${filter.shape} s${sh},${sw} d${dh},${dw} p${top},${bottom},${left},${right} ${bias ? 'bias' : ''} ${relu ? 'relu' : ''}`;
  const graph = () =>
    onnx.GraphProto.create({
      name: 'conv2d',
      input: [valueInfo('x', FLOAT, [N, H, W, CI]), valueInfo('w', FLOAT, [KH, KW, CI, CO]), ...(bias ? [valueInfo('b', FLOAT, [CO])] : [])],
      output: [valueInfo('y', FLOAT, [N, OH, OW, CO])],
      node: [
        node('Transpose', ['x'], ['xNCHW'], { perm: [0, 3, 1, 2] }),
        node('Transpose', ['w'], ['wOIHW'], { perm: [3, 2, 0, 1] }),
        node('Conv', ['xNCHW', 'wOIHW', ...(bias ? ['b'] : [])], ['conv'], { strides: [sh, sw], dilations: [dh, dw], pads: [top, left, bottom, right] }),
        ...(relu ? [node('Relu', ['conv'], ['act'])] : []),
        node('Transpose', [relu ? 'act' : 'conv'], ['y'], { perm: [0, 2, 3, 1] }),
      ],
    });
  return runOnnx(backend, key, graph, { x, w: filter, ...(bias ? { b: bias } : {}) }, [N, OH, OW, CO]);
}

/**
 * The Conv2D and FusedConv2D kernels: NHWC convolutions (with a bias and a linear or relu
 * activation) go to onnxruntime; anything else to the backend's own kernel.
 */
export function conv2dKernel(args: KernelArgs, builtin: (args: KernelArgs) => tf.TensorInfo): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter, bias, preluActivationWeights } = inputs;
  const { strides, pad, dataFormat, dilations, dimRoundingMode, activation } = attrs as unknown as tf.FusedConv2DAttrs;
  if (dataFormat !== 'NHWC' || preluActivationWeights || (activation !== undefined && activation !== 'linear' && activation !== 'relu')) return builtin(args);
  // onnxruntime's Conv takes one bias per output channel; the backend's kernel refuses other shapes in a sentence.
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== filter.shape[3])) return builtin(args);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, dilations, pad, dimRoundingMode, false, 'channelsLast');
  const { top, bottom, left, right } = info.padInfo;
  return onnxConv2d(
    backend, x, filter,
    [info.strideHeight, info.strideWidth], [info.dilationHeight, info.dilationWidth], [top, bottom, left, right],
    bias, activation === 'relu',
  );
}
