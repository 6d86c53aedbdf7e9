/**
 * Picks the TensorFlow.js backend: the native `node` backend when @tensorflow/tfjs-node
 * loads (an optional dependency: its install fails on machines without internet), else
 * `wasm` with the kernels sdt registers (src/kernels/): convolutions and large matrix
 * products on onnxruntime's native kernels where onnxruntime-node loads, the convolution
 * gradients wasm lacks otherwise; else pure-JS `cpu`. `--backend` or SDT_BACKEND choose
 * explicitly.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node build registers no gradients; tfjs-layers registers all of them.
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { SdtError } from './errors.js';
import { cpus } from 'node:os';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { onnxruntimeActive, startOnnxruntime } from './kernels/onnxruntime.js';
import { registerWasmKernels } from './kernels/registerWasm.js';
import { withWasmThreads } from './kernels/wasmThreads.js';

export const BACKENDS = ['node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendChoice {
  name: BackendName;
  reason: string;
  /** Threads of the wasm backend's pool, or onnxruntime's (null on the others, which manage their own). */
  threads?: number | null;
  /** On wasm: whether convolutions and large matrix products run on onnxruntime (src/kernels/onnxruntime.ts). */
  onnxruntime?: boolean;
}

// Keeps TensorFlow.js's "install the node backend" banner and other debug warnings quiet.
tf.env().set('PROD', true);

let active: BackendChoice | undefined;

async function loadNode(): Promise<void> {
  const moduleName = '@tensorflow/tfjs-node';
  await import(moduleName);
  if (!(await tf.setBackend('tensorflow'))) throw new Error('backend "tensorflow" did not initialise');
}

/**
 * The wasm module's Emscripten glue installs process handlers that rethrow every uncaught
 * error with a screenful of minified source; sdt reports its own errors, so they go.
 */
async function withoutEmscriptenHandlers(run: () => Promise<boolean>): Promise<boolean> {
  const events = ['uncaughtException', 'unhandledRejection'];
  const before = events.map((event) => new Set(process.listeners(event as 'uncaughtException')));
  try {
    return await run();
  } finally {
    events.forEach((event, i) => {
      for (const listener of process.listeners(event as 'uncaughtException')) {
        if (!before[i].has(listener)) process.removeListener(event, listener);
      }
    });
  }
}

/** Threads of the wasm backend (or of onnxruntime's kernels): SDT_WASM_THREADS, else one per core (at most 4, as tfjs allows). */
function wasmThreads(): number {
  const given = Number(process.env.SDT_WASM_THREADS);
  return Number.isInteger(given) && given >= 1 ? Math.min(given, 4) : Math.min(cpus().length, 4);
}

/** `wasm, 2 threads, onnxruntime kernels (fallback: …)`: the name, the pool, the kernels, and why. */
export const describeBackend = (b: BackendChoice) =>
  `${b.name}${b.threads ? `, ${b.threads} thread${b.threads === 1 ? '' : 's'}` : ''}${b.onnxruntime ? ', onnxruntime kernels' : ''} (${b.reason})`;

const threadsOf = (name: BackendName) => (name === 'wasm' ? (onnxruntimeActive() ? wasmThreads() : getThreadsCount()) : null);

const kernelsOf = (name: BackendName) => (name === 'wasm' ? { onnxruntime: onnxruntimeActive() } : {});

async function start(name: BackendName): Promise<void> {
  if (name === 'node') return loadNode();
  const setBackend = () => withoutEmscriptenHandlers(() => tf.setBackend(name));
  // With onnxruntime the threads are its own and the wasm backend runs on one: its heap is
  // then not shared memory, which onnxruntime reads and writes in place.
  const onnxruntime = name === 'wasm' && startOnnxruntime(wasmThreads());
  if (!(await (name === 'wasm' ? withWasmThreads(onnxruntime ? 1 : wasmThreads(), setBackend) : setBackend()))) throw new Error(`backend "${name}" did not initialise`);
  // The gradient kernels reuse wasm kernels that are set up when the backend initialises.
  if (name === 'wasm') registerWasmKernels(onnxruntime);
}

/** Starts the requested (or best available) backend once per process and says why it was chosen. */
export async function initBackend(requested?: string): Promise<BackendChoice> {
  const explicit = requested ?? process.env.SDT_BACKEND ?? undefined;
  if (explicit !== undefined && explicit !== '' && !(BACKENDS as readonly string[]).includes(explicit)) {
    throw new SdtError(`unknown backend "${explicit}"; choose one of ${BACKENDS.join(', ')}.`);
  }
  if (active && (!explicit || active.name === explicit)) return active;
  if (explicit) {
    const name = explicit as BackendName;
    try {
      await start(name);
    } catch (error) {
      const why = name === 'node' ? '@tensorflow/tfjs-node is not installed or did not load' : (error as Error).message;
      throw new SdtError(`the ${name} backend cannot start here: ${why}.`, 'Try --backend wasm.');
    }
    const source = requested !== undefined ? '--backend' : 'SDT_BACKEND';
    active = { name, reason: `chosen by ${source}`, threads: threadsOf(name), ...kernelsOf(name) };
    return active;
  }
  const skipped: string[] = [];
  for (const name of BACKENDS) {
    try {
      await start(name);
      const reason =
        skipped.length === 0 ? 'fastest available' : `fallback: ${skipped.join('; ')}`;
      active = { name, reason, threads: threadsOf(name), ...kernelsOf(name) };
      return active;
    } catch {
      skipped.push(name === 'node' ? '@tensorflow/tfjs-node not installed' : `${name} failed to start`);
    }
  }
  throw new SdtError('no TensorFlow.js backend could start (tried node, wasm, cpu).');
}
