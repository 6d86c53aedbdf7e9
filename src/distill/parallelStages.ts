/**
 * Independent tree stages at the same time, one child process each (treeStageMain.ts), each on
 * one wasm thread: a tree's training step is some 200 small kernels that a second thread does
 * not speed up (README, Benchmarks), so two trees on two cores finish in about the time of one.
 * Child processes rather than worker threads: Ctrl-C reaches every child as it reaches a
 * sequential run, and each saves its checkpoint the same way. The children give the bits the
 * same stages give in this process (tested).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { SdtError } from '../errors.js';
import type { EpochRecord } from '../runs/metrics.js';
import type { StageHooks } from './stages.js';
import type { TreeStageRequest } from './treeStageJob.js';

const MAIN = fileURLToPath(new URL('./treeStageMain.js', import.meta.url));

interface ChildState {
  name: string;
  done: number;
  total: number;
  epochs: number;
  seconds: number;
}

/** Runs every request in its own process, `jobs` at a time; resolves with each stage's time and whether it trained. */
export async function runStagesInChildren(requests: TreeStageRequest[], jobs: number, hooks: StageHooks): Promise<{ trained: boolean; seconds: number }[]> {
  const states: ChildState[] = requests.map((r) => ({ name: r.job.name, done: 0, total: 0, epochs: r.job.options.epochs, seconds: 0 }));
  const bar = hooks.bar?.(`trees (${states.map((s) => s.name).join(', ')})`, 1000);
  const show = () => {
    const share = states.reduce((sum, s) => sum + (s.total ? s.done / s.total : 0), 0) / states.length;
    bar?.update(Math.round(1000 * share), states.map((s) => `${s.name} ${s.total ? Math.round((100 * s.done) / s.total) : 0}%`).join(' · '));
  };
  const running = new Set<ReturnType<typeof spawn>>();
  const start = (request: TreeStageRequest, i: number) => {
    const started = performance.now();
    const child = spawn(process.execPath, [MAIN], { env: { ...process.env, SDT_WASM_THREADS: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    child.stdin.end(JSON.stringify(request));
    let stderr = '';
    let pending = '';
    let trained = false;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      const lines = (pending + d).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const message = JSON.parse(line) as { say?: string; batch?: { epoch: number; batch: number; batches: number }; epoch?: EpochRecord; done?: { trained: boolean } };
        const state = states[i];
        if (message.say !== undefined) hooks.say(message.say);
        if (message.batch) {
          state.total = state.epochs * message.batch.batches;
          state.done = (message.batch.epoch - 1) * message.batch.batches + message.batch.batch;
          show();
        }
        if (message.epoch) {
          const r = message.epoch;
          const validation = r.validationAccuracy === null ? '' : ` validation ${(r.validationAccuracy * 100).toFixed(2)} %`;
          hooks.say(`${state.name} epoch ${r.epoch}/${state.epochs}: loss ${r.loss.toFixed(4)}${validation} lr ${r.learningRate.toExponential(2)} (${r.seconds.toFixed(1)} s)`);
        }
        if (message.done) {
          trained = message.done.trained;
          [state.done, state.total] = [1, 1]; // a reused stage reports no batches
          show();
        }
      }
    });
    return new Promise<{ code: number; stderr: string; trained: boolean }>((resolve) =>
      child.on('close', (code, signal) => {
        running.delete(child);
        states[i].seconds = (performance.now() - started) / 1000;
        // A child ended by a signal exits as a shell reports it: 128 + the signal's number.
        resolve({ code: code ?? 128 + (signal ? os.constants.signals[signal] : 0), stderr, trained });
      }));
  };
  // A signal sent to this process alone (not to its group, as Ctrl-C is) reaches the children
  // too, and no further stage starts.
  let stopping = false;
  const forward = (signal: NodeJS.Signals) => {
    stopping = true;
    running.forEach((child) => child.kill(signal));
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    const results: { code: number; stderr: string; trained: boolean }[] = [];
    let next = 0;
    const lane = async () => {
      while (next < requests.length && !stopping) {
        const i = next++;
        results[i] = await start(requests[i], i);
        if (results[i].code !== 0) stopping = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, requests.length) }, lane));
    const failed = results.find((r) => r && r.code !== 0);
    if (failed) {
      const sentence = failed.stderr.trim().split('\n').filter(Boolean).pop() ?? 'a tree stage stopped without a message.';
      throw new SdtError(sentence.replace(/^sdt: /, ''), undefined, failed.code === 2 ? 2 : failed.code);
    }
    return results.map((r, i) => ({ trained: r.trained, seconds: states[i].seconds }));
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}
