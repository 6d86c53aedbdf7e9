/**
 * onnxruntime as a library of native kernels for the wasm backend. Its CPU kernels (MLAS)
 * use the machine's full vector width with fused multiply-add, which wasm SIMD (128-bit, no
 * FMA) cannot: measured on the 2-core build machine, a batch of 128 through the teacher's
 * forward pass ran at 84 GFLOP/s against XNNPACK's 25–28, and the tree's x·W at 78 against
 * 12–14. So the few kernels that carry a model's arithmetic (convolutions, large matrix
 * products) run here when onnxruntime-node loads, each as a one-operator ONNX graph built
 * once per shape; everything else stays on wasm.
 *
 * A tfjs kernel must return synchronously, and onnxruntime-node's public `run` is a Promise
 * only because it defers the native call with setImmediate; the native session's own `run`
 * is synchronous, so that is what is called. SDT_ONNXRUNTIME=0 turns all of this off.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { onnx } from './onnxGraph.js';
import type { WasmBackend } from './wasmOps.js';

const require = createRequire(import.meta.url);

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, unknown>, options: object): void;
}

interface Runtime {
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
  newSession(): NativeSession;
  threads: number;
}

let runtime: Runtime | null = null;
/** A loaded graph, and the arrays its values pass through when the heap is shared. */
interface Session {
  session: NativeSession;
  scratch: Map<string, Float32Array>;
}

const sessions = new Map<string, Session>();

/**
 * Loads onnxruntime-node with `threads` threads per kernel; false (and nothing changes) when
 * it is not installed, does not load on this platform, or SDT_ONNXRUNTIME=0.
 */
export function startOnnxruntime(threads: number): boolean {
  if (process.env.SDT_ONNXRUNTIME === '0') return false;
  try {
    const { Tensor } = require('onnxruntime-node') as { Tensor: Runtime['Tensor'] };
    const { binding, initOrt } = require('onnxruntime-node/dist/binding.js') as {
      binding: { InferenceSession: new () => NativeSession };
      initOrt(): void;
    };
    initOrt();
    runtime = { Tensor, newSession: () => new binding.InferenceSession(), threads };
    return true;
  } catch {
    return false;
  }
}

/** Whether kernels run on onnxruntime in this process. */
export const onnxruntimeActive = () => runtime !== null;

function session(key: string, graph: () => InstanceType<typeof onnx.GraphProto>, threads: number): Session {
  key = `${key} threads ${threads}`;
  let s = sessions.get(key);
  if (!s) {
    const bytes = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph: graph() })).finish();
    const native = runtime!.newSession();
    // One intra-op pool per session, not spinning between calls: the wasm pool runs in between.
    native.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    s = { session: native, scratch: new Map() };
    sessions.set(key, s);
  }
  return s;
}

/** A tensor of the wasm heap, seen by onnxruntime with `dims` (default: its own shape). */
export type OnnxInput = tf.TensorInfo | [tf.TensorInfo, number[]];

/**
 * Runs the graph `key` (built by `graph` on first use) on float32 tensors of the wasm heap
 * and returns its one output, `y`, as a new tensor of `outShape` (onnxruntime sees `outDims`),
 * on all the threads given to startOnnxruntime or on one.
 */
export function runOnnx(
  backend: WasmBackend,
  key: string,
  graph: () => InstanceType<typeof onnx.GraphProto>,
  inputs: Record<string, OnnxInput>,
  outShape: number[],
  { outDims = outShape, oneThread = false }: { outDims?: number[]; oneThread?: boolean } = {},
): tf.TensorInfo {
  const s = session(key, graph, oneThread ? 1 : runtime!.threads);
  const out = backend.makeOutput(outShape, 'float32');
  // Views of the heap, taken after the allocation (which may grow and so move it).
  const heap = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  const entries: [string, tf.TensorInfo, number[]][] = Object.entries(inputs).map(([name, t]) => (Array.isArray(t) ? [name, ...t] : [name, t, t.shape]));
  const outView = heap(out);
  // onnxruntime refuses memory shared between threads (the threaded wasm heap): there the
  // values pass through arrays of the session's own, kept from call to call.
  const shared = outView.buffer instanceof SharedArrayBuffer;
  const own = (name: string, values: Float32Array) => {
    if (!shared) return values;
    const array = s.scratch.get(name)?.length === values.length ? s.scratch.get(name)! : new Float32Array(values.length);
    s.scratch.set(name, array);
    return array;
  };
  const feeds = Object.fromEntries(entries.map(([name, t, dims]) => {
    const values = heap(t);
    const array = own(name, values);
    if (array !== values) array.set(values);
    return [name, new runtime!.Tensor('float32', array, dims)];
  }));
  const y = own('y', outView);
  s.session.run(feeds, { y: new runtime!.Tensor('float32', y, outDims) }, {});
  if (y !== outView) outView.set(y);
  return out;
}
