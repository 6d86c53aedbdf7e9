/**
 * Calls other wasm kernels directly (as TensorFlow.js's own backends do inside kernels):
 * no engine bookkeeping, so every intermediate must be released with `release`.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): tf.TensorInfo;
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  /** A view (no copy) of a tensor's memory on the wasm heap; invalid once the heap grows. */
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
  disposeData(dataId: tf.DataId): boolean;
  incRef(dataId: tf.DataId): void;
}

export interface KernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  backend: WasmBackend;
  attrs: Record<string, unknown>;
}

export function runWasm(name: string, backend: WasmBackend, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`the wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
}

export function transpose(backend: WasmBackend, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return runWasm(tf.Transpose, backend, { x }, { perm });
}

/** Forward convolution on XNNPACK, NHWC, with explicit padding [top, bottom, left, right]. */
export function wasmConv2d(
  backend: WasmBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  strides: [number, number],
  dilations: [number, number],
  [top, bottom, left, right]: number[],
): tf.TensorInfo {
  const pad = [[0, 0], [top, bottom], [left, right], [0, 0]];
  return runWasm(tf.Conv2D, backend, { x, filter }, { strides, dilations, pad, dataFormat: 'NHWC' });
}

export function release(backend: WasmBackend, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}
