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
import { FLOAT, NCHWC, node, onnx, valueInfo } from './onnxGraph.js';
import type { WasmBackend } from './wasmOps.js';

const require = createRequire(import.meta.url);

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  /** Writes into the fetches given as tensors; returns the outputs it made for those given as null. */
  run(feeds: Record<string, unknown>, fetches: Record<string, unknown>, options: object): Record<string, unknown>;
}

interface Runtime {
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
  newSession(): NativeSession;
  threads: number;
}

let runtime: Runtime | null = null;
const sessions = new Map<string, NativeSession>();

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

type Graph = () => InstanceType<typeof onnx.GraphProto>;

function session(key: string, graph: Graph, threads: number): NativeSession {
  key = `${key} threads ${threads}`;
  let s = sessions.get(key);
  if (!s) {
    const bytes = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }, { domain: NCHWC, version: 1 }], graph: graph() })).finish();
    s = runtime!.newSession();
    // Its threads do not spin between calls: the wasm kernels run in between on the same cores.
    s.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: '0' } } },
      // Its warnings are about its own graph rewriting, not the user's run; errors still throw.
      logSeverityLevel: 3,
    });
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
  graph: Graph,
  inputs: Record<string, OnnxInput>,
  outShape: number[],
  { outDims = outShape, oneThread = false }: { outDims?: number[]; oneThread?: boolean } = {},
): tf.TensorInfo {
  const s = session(key, graph, oneThread ? 1 : runtime!.threads);
  const out = backend.makeOutput(outShape, 'float32');
  // Views of the heap, taken after the allocation (which may grow and so move it). The heap
  // is plain memory: with onnxruntime the wasm backend runs on one thread (backend.ts), and
  // onnxruntime refuses memory shared between threads.
  const view = (t: tf.TensorInfo, dims: number[]) => new runtime!.Tensor('float32', backend.typedArrayFromHeap(t) as Float32Array, dims);
  const feeds = Object.fromEntries(Object.entries(inputs).map(([name, t]) => [name, Array.isArray(t) ? view(...t) : view(t, t.shape)]));
  s.run(feeds, { y: view(out, outDims) }, {});
  return out;
}

/**
 * Runs the graph `key` (built by `graph` on first use) on all the threads given to
 * startOnnxruntime, with float32 arrays in and out: `inputs` and `outputs` are [array, dims]
 * pairs by name, the outputs written in place. For a whole computation that lives outside
 * the tfjs backend, such as the teacher's training step (models/cnnGraphs.ts).
 */
export function runOnnxArrays(key: string, graph: Graph, inputs: Record<string, [Float32Array, number[]]>, outputs: Record<string, [Float32Array, number[]]>): void {
  const tensors = (pairs: Record<string, [Float32Array, number[]]>) =>
    Object.fromEntries(Object.entries(pairs).map(([name, [data, dims]]) => [name, new runtime!.Tensor('float32', data, dims)]));
  try {
    session(key, graph, runtime!.threads).run(tensors(inputs), tensors(outputs), {});
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(`onnxruntime could not run the graph "${key}" (${reason}); SDT_ONNXRUNTIME=0 runs without it.`);
  }
}

let block: number | undefined;

/**
 * The channel block of onnxruntime's NCHWc kernels on this machine (16 with AVX-512, 8 with
 * AVX2), found by reordering four channels into it; 1 where there are none. Graphs that
 * reorder their own weights into the blocked layout need it (models/cnnGraphs.ts).
 */
export function nchwcBlock(): number {
  if (block !== undefined) return block;
  const dims = [1, 4, 1, 1];
  const graph = () =>
    onnx.GraphProto.create({
      name: 'nchwcBlock',
      input: [valueInfo('x', FLOAT, dims)],
      output: [valueInfo('y', FLOAT, [1, 'block', 1, 1])],
      node: [node('ReorderInput', ['x'], ['y'], {}, NCHWC)],
    });
  try {
    const feeds = { x: new runtime!.Tensor('float32', new Float32Array(4), dims) };
    const { y } = session('nchwcBlock', graph, 1).run(feeds, { y: null }, {}) as { y: { dims: number[] } };
    // Where MLAS has no blocked kernels its block is 1, and four channels stay four.
    return (block = y.dims[1] >= 8 ? y.dims[1] : 1);
  } catch {
    // no NCHWc kernels here
  }
  return (block = 1);
}
