import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { loadDataset } from '../src/data/datasets.js';
import { labelTargets, trainTree, TREE_DEFAULTS } from '../src/distill/trainTree.js';
import { expectOneSentence, sdt } from './run.js';

const cli = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'sdt-reliability-'));
const options = ['--limit', '2000', '--depth', '4', '--epochs', '24', '--json', '--quiet'];

/** Starts a run, waits for its first checkpoint (plus `delay` ms), then sends `signal`. */
function interrupted(out: string, signal: NodeJS.Signals, delay: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'baseline', ...options, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      if (existsSync(join(out, 'checkpoint.bin'))) {
        clearInterval(poll);
        setTimeout(() => child.kill(signal), delay);
      }
    }, 20);
    child.on('exit', (code, sig) => {
      clearInterval(poll);
      resolve({ code, signal: sig, stderr });
    });
  });
}

/** Everything a run's metrics record but wall-clock times. */
const metricsOf = (folder: string) => {
  const m = JSON.parse(readFileSync(join(folder, 'metrics.json'), 'utf8'));
  return { history: m.history.map(({ seconds: _s, ...h }: { seconds: number }) => h), bestEpoch: m.bestEpoch, test: m.test };
};

describe('interrupted training resumes exactly', () => {
  const reference = join(scratch, 'uninterrupted');
  beforeAll(() => {
    expect(sdt(['baseline', ...options, '--out', reference]).code).toBe(0);
  });

  it('Ctrl-C (SIGINT) writes a checkpoint, says how to resume and exits 130; --resume gives the same metrics', async () => {
    const out = join(scratch, 'sigint');
    const run = await interrupted(out, 'SIGINT', 0);
    expect(run.code).toBe(130);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/interrupted by SIGINT in epoch \d+, batch \d+; a checkpoint is saved: continue with sdt baseline --resume/);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    expect(existsSync(join(out, 'tree.json.gz'))).toBe(false);
    const resumed = sdt(['baseline', '--resume', out, '--json', '--quiet']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(metricsOf(out)).toEqual(metricsOf(reference));
    expect(existsSync(join(out, 'checkpoint.bin'))).toBe(false);
  });

  it('after kill -9 mid-epoch, --resume loses at most that epoch and ends the same', async () => {
    const out = join(scratch, 'sigkill');
    const run = await interrupted(out, 'SIGKILL', 150);
    expect(run.signal).toBe('SIGKILL');
    const resumed = sdt(['baseline', '--resume', out, '--json', '--quiet']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(metricsOf(out)).toEqual(metricsOf(reference));
  });

  it('refuses to resume with a different configuration, and to overwrite an unfinished run', async () => {
    const out = join(scratch, 'other');
    await interrupted(out, 'SIGINT', 0);
    expect(expectOneSentence(sdt(['baseline', '--resume', out, '--depth', '5']))).toMatch(/started with depth = 4, not 5/);
    expect(expectOneSentence(sdt(['baseline', ...options, '--out', out]))).toMatch(/holds an unfinished run.*--resume/);
  });
});

describe('trees trained side by side stop on Ctrl-C and resume exactly', () => {
  // Enough epochs that neither tree finishes between the two first checkpoints and the signal.
  const epochs = 80;
  const job = ['distill', '--limit', '1000', '--teacher-epochs', '1', '--depth', '3', '--epochs', String(epochs), '--batch-size', '128', '--jobs', '2', '--json'];
  const reference = join(scratch, 'distill-reference');
  beforeAll(() => {
    expect(sdt([...job, '--quiet', '--out', reference]).code).toBe(0);
  });

  /** Starts the job in its own process group and sends SIGINT to the group (as Ctrl-C does) once `ready(out, stderr)`. */
  const interruptJob = (out: string, ready: (stderr: string) => boolean) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [cli, ...job, '--teacher', join(reference, 'teacher'), '--out', out], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const poll = setInterval(() => {
        if (ready(stderr)) {
          clearInterval(poll);
          process.kill(-child.pid!, 'SIGINT');
        }
      }, 20);
      child.on('exit', (code) => {
        clearInterval(poll);
        resolve({ code, stderr });
      });
    });
  const resumesToReference = (out: string) => {
    const resumed = sdt([...job, '--quiet', '--teacher', join(reference, 'teacher'), '--resume', out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    for (const stage of ['baseline', 'distilled']) expect(metricsOf(join(out, stage))).toEqual(metricsOf(join(reference, stage)));
  };

  it('Ctrl-C reaches both tree processes, each keeps its checkpoint, and --resume ends as an uninterrupted job', async () => {
    const out = join(scratch, 'distill-interrupted');
    const run = await interruptJob(out, () => ['baseline', 'distilled'].every((stage) => existsSync(join(out, stage, 'checkpoint.bin'))));
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/interrupted by SIGINT in epoch \d+, batch \d+; a checkpoint is saved/);
    resumesToReference(out);
  });

  it('a tree that has finished training when Ctrl-C comes is written, not lost without a word', async () => {
    // The checkpoint stays until the finished tree is written, so this window was a silent death (CI, stop 22).
    const out = join(scratch, 'distill-after-training');
    const finished = new RegExp(`(baseline|distilled) epoch ${epochs}/${epochs}`);
    const run = await interruptJob(out, (stderr) => finished.test(stderr));
    const stage = finished.exec(run.stderr)![1];
    expect(run.stderr).not.toMatch(/without a message/);
    expect([0, 130]).toContain(run.code);
    expect(existsSync(join(out, stage, 'metrics.json'))).toBe(true);
    expect(existsSync(join(out, stage, 'checkpoint.bin'))).toBe(false);
    resumesToReference(out);
  });
});

describe('no NaN with the log-space formulation', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  // Depth 12 has 4,095 inner nodes and an 8,190 × 8,191 routing matrix: a few small batches.
  it.each([[1, 640], [4, 640], [8, 640], [12, 64]])('depth %i at learning rate 0.1 (Adam) stays finite', async (depth, examples) => {
    const dataset = loadDataset('mnist', { limit: examples });
    // The loop throws on a non-finite loss; the weights must stay finite too.
    const trained = await trainTree(dataset, labelTargets(dataset.train.y, 10), { ...TREE_DEFAULTS, depth, epochs: 2, batchSize: 32, lr: 0.1, schedule: 'constant', validation: 0 });
    expect(trained.file.inner.weights.every((w) => w.every(Number.isFinite))).toBe(true);
    expect(trained.file.leaves.logits.every((l) => l.every(Number.isFinite))).toBe(true);
  });
});
