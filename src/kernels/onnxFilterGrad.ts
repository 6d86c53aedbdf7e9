/**
 * dW for y = conv2d(x, W), NHWC, on onnxruntime (onnxruntime.ts), as one matrix product of
 * the input's patches with dy:
 *   dW[(kh·KW + kw)·CI + ci, co] = Σ_p A[p, (kh·KW + kw)·CI + ci] · dy[p, co],  p = (n, oh, ow),
 *   A[p, ·] = the patch of padded x under output p, which is KH·KW strided slices of x
 * concatenated along the channels (im2col), so the product comes out in tfjs's own filter
 * layout [KH, KW, CI, CO]. With one input channel Aᵀ is built instead, a row per offset: the
 * concatenation along channels would copy one float at a time (4 ms against 12 for the
 * teacher's first layer, batch 128). Measured for the teacher's second layer (batch 128): 54 ms against
 * 62 for the same gradient as one convolution of x with dy (conv2dBackpropFilter.ts's form)
 * and 141 through tfjs's transposes around it; the product alone is 30 ms, the copies the rest.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { FLOAT, INT64, node, onnx, tensor, valueInfo } from './onnxGraph.js';
import { runOnnx } from './onnxruntime.js';
import { release, transpose, type WasmBackend } from './wasmOps.js';

const ints = (name: string, values: number[]) => tensor(name, [values.length], BigInt64Array.from(values, BigInt), INT64);

export function onnxFilterGrad(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, bottom, left, right } = info.padInfo;
  const P = N * OH * OW;
  const key = `filterGrad x${x.shape} dy${dy.shape} k${KH},${KW} s${sh},${sw} d${dh},${dw} p${top},${bottom},${left},${right}`;
  const graph = () => {
    const offsets = Array.from({ length: KH * KW }, (_, i) => [Math.floor(i / KW), i % KW]);
    return onnx.GraphProto.create({
      name: 'filterGrad',
      input: [valueInfo('x', FLOAT, [N, H, W, CI]), valueInfo('dy', FLOAT, [N, OH, OW, CO])],
      output: [valueInfo('y', FLOAT, CI === 1 ? [CO, KH * KW] : [KH * KW * CI, CO])],
      initializer: [
        ints('pads', [0, top, left, 0, 0, Math.max(bottom, 0), Math.max(right, 0), 0]),
        ints('axes', [1, 2]),
        ints('steps', [sh, sw]),
        ...(CI === 1 ? [ints('rowShape', [1, P])] : [ints('patchesShape', [P, KH * KW * CI])]),
        ints('dyShape', [P, CO]),
        ...offsets.flatMap(([kh, kw]) => [
          ints(`start${kh}_${kw}`, [kh * dh, kw * dw]),
          ints(`end${kh}_${kw}`, [kh * dh + (OH - 1) * sh + 1, kw * dw + (OW - 1) * sw + 1]),
        ]),
      ],
      node: [
        node('Pad', ['x', 'pads'], ['padded']),
        ...offsets.map(([kh, kw]) => node('Slice', ['padded', `start${kh}_${kw}`, `end${kh}_${kw}`, 'axes', 'steps'], [`slice${kh}_${kw}`])),
        ...(CI === 1
          ? [
              ...offsets.map(([kh, kw]) => node('Reshape', [`slice${kh}_${kw}`, 'rowShape'], [`row${kh}_${kw}`])),
              node('Concat', offsets.map(([kh, kw]) => `row${kh}_${kw}`), ['patchesT'], { axis: 0 }),
            ]
          : [
              node('Concat', offsets.map(([kh, kw]) => `slice${kh}_${kw}`), ['patches4d'], { axis: 3 }),
              node('Reshape', ['patches4d', 'patchesShape'], ['patches']),
            ]),
        node('Reshape', ['dy', 'dyShape'], ['dy2d']),
        // With one channel dWᵀ = dyᵀ·A [CO, KH·KW] (transposed back on wasm): MLAS gives the same
        // bits on any number of threads only when its output has no more columns than rows
        // (onnxMatMul.ts), and onnxruntime would fold a Transpose here back into the Gemm.
        CI === 1 ? node('Gemm', ['dy2d', 'patchesT'], ['y'], { transA: 1, transB: 1 }) : node('Gemm', ['patches', 'dy2d'], ['y'], { transA: 1 }),
      ],
    });
  };
  if (CI > 1) return runOnnx(backend, key, graph, { x, dy }, [KH, KW, CI, CO], { outDims: [KH * KW * CI, CO] });
  const gradT = runOnnx(backend, key, graph, { x, dy }, [CO, KH * KW]);
  const grad = transpose(backend, gradT, [1, 0]);
  release(backend, gradT);
  return { ...grad, shape: [KH, KW, CI, CO] };
}
