/**
 * Starts TensorFlow.js's multi-threaded wasm build under Node, which tfjs turns off there
 * (tensorflow/tfjs#3830): XNNPACK then splits convolutions and matrix products over a pool
 * of threads. Three things stand in the way, each undone here only while the backend starts:
 * - the WASM_HAS_MULTITHREAD_SUPPORT flag answers false under Node;
 * - the pthread workers get their script as a `blob:` URL, which Node's Worker refuses: the
 *   script is written to a file instead, and inside it the main module's blob resolves to
 *   the module's own file;
 * - the pool size is half the logical cores (x86 hyper-threading), so on a 2-core machine 1.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../atomicWrite.js';

const require = createRequire(import.meta.url);

/** The pthread worker script as a file Node's Worker can start. */
function workerScript(): string {
  const wasmOut = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
  const { wasmWorkerContents } = require(join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const mainModule = join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js');
  // The template string holds "\n" escapes that tfjs re-escapes before making its blob.
  const script = `URL.createObjectURL = () => ${JSON.stringify(mainModule)}; URL.revokeObjectURL = () => {};\n` + wasmWorkerContents.replace(/\n/g, '\\n');
  const path = join(tmpdir(), `sdt-wasm-worker-${createHash('sha256').update(script).digest('hex').slice(0, 16)}.cjs`);
  if (!existsSync(path)) writeFileAtomic(path, script);
  return path;
}

/** Runs `start` (which calls tf.setBackend('wasm')) with a pool of `threads` threads. */
export async function withWasmThreads<T>(threads: number, start: () => Promise<T>): Promise<T> {
  if (threads <= 1) return start();
  const os = require('node:os') as typeof import('node:os');
  const [cpus, createObjectURL] = [os.cpus, URL.createObjectURL];
  let script: string;
  try {
    script = workerScript();
  } catch {
    return start(); // no writable temporary folder: one thread, as tfjs would run
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  URL.createObjectURL = () => script;
  os.cpus = () => Array.from({ length: 2 * threads }, () => cpus()[0]);
  try {
    const started = await start();
    if (!started) return started;
    // The pool's workers wait for work forever; they must not keep the process alive.
    const { PThread } = (tf.findBackend('wasm') as unknown as { wasm: { PThread: { unusedWorkers: Worker[]; runningWorkers: Worker[] } } }).wasm;
    for (const worker of [...PThread.unusedWorkers, ...PThread.runningWorkers]) worker.unref();
    return started;
  } finally {
    os.cpus = cpus;
    URL.createObjectURL = createObjectURL;
  }
}
