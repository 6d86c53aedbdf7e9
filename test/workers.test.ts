/**
 * Study workers: a 4-task Slurm array on a real one-node cluster (slurm-wlm and munge from
 * Debian, started here as root; no cluster is a failure, not a skip), two local workers of
 * which one is killed with SIGKILL mid-cell, the refusal of another grid, shards, --status
 * and --summarize, and the README's Kubernetes manifest.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readClaims } from '../src/study/claims.js';
import { parseShard, slurmShard } from '../src/study/shard.js';
import { cli, expectOneSentence, sdt, startSdt, until } from './run.js';

const scratch = mkdtempSync(join(tmpdir(), 'sdt-workers-'));
const teacher = join(scratch, 'teacher');
const slurmScripts = fileURLToPath(new URL('./slurm/', import.meta.url));
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const metricsOf = (folder: string) => readJson(join(folder, 'metrics.json')).test;
/** 2 seeds × depths 2, 3 × hard labels and soft targets at T = 2, and CART per depth: 10 cells. */
const grid = ['--teacher', teacher, '--limit', '400', '--batch-size', '32', '--seeds', '2', '--depths', '2,3', '--temperatures', '2', '--depth', '2', '--temperature', '2', '--no-report'];
const study = (out: string, ...extra: string[]) => ['study', ...grid, '--epochs', '1', '--out', out, ...extra];

beforeAll(() => {
  const run = sdt(['teacher', '--limit', '400', '--epochs', '1', '--batch-size', '32', '--quiet', '--out', teacher]);
  expect(run.code, run.stderr).toBe(0);
  const reference = sdt(study(join(scratch, 'one-process'), '--quiet'));
  expect(reference.code, reference.stderr).toBe(0);
}, 240_000);

describe('shards', () => {
  it('--shard I/N and a Slurm array task (0- or 1-based) name the same shard', () => {
    expect(parseShard('1/4')).toMatchObject({ index: 1, count: 4 });
    expect(() => parseShard('4/4')).toThrow(/--shard takes I\/N with N ≥ 1 and 0 ≤ I < N/);
    expect(slurmShard({ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '4' })).toMatchObject({ index: 0, count: 4 });
    expect(slurmShard({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' })).toMatchObject({ index: 3, count: 4 });
    expect(slurmShard({ SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '7', SLURM_ARRAY_TASK_STEP: '2', SLURM_ARRAY_TASK_COUNT: '4' })).toMatchObject({ index: 3, count: 4 });
    // `--array=3,7,12`: resubmitted tasks would not get the shards they had; refused.
    expect(() => slurmShard({ SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '3', SLURM_ARRAY_TASK_MAX: '12', SLURM_ARRAY_TASK_COUNT: '3' })).toThrow(/not evenly spaced.*resubmit the whole array/);
    expect(slurmShard({})).toBeUndefined();
  });
});

describe('a study run by a 4-task Slurm array', () => {
  const cluster = join(scratch, 'slurm');
  afterAll(() => void spawnSync(join(slurmScripts, 'stop-cluster.sh'), [cluster]));

  it('runs every cell exactly once and writes the summary a one-process run writes', () => {
    mkdirSync(cluster);
    const started = spawnSync(join(slurmScripts, 'start-cluster.sh'), [cluster], { encoding: 'utf8' });
    if (started.status !== 0) throw new Error(`the one-node Slurm cluster did not start (needs root, slurm-wlm and munge):\n${started.stderr}`);
    const env = { ...process.env, SLURM_CONF: started.stdout.trim() };
    const out = join(scratch, 'slurm-study');
    const script = join(scratch, 'study.sbatch');
    const command = [process.execPath, cli, ...study(out)].map((a) => `'${a}'`).join(' ');
    writeFileSync(script, `#!/bin/bash\n#SBATCH --array=0-3\n#SBATCH --cpus-per-task=1\n#SBATCH --output=${scratch}/task-%a.log\n${command}\n`);
    const submitted = spawnSync('sbatch', ['--wait', script], { encoding: 'utf8', env, timeout: 600_000 });
    const logs = [0, 1, 2, 3].map((i) => (existsSync(join(scratch, `task-${i}.log`)) ? readFileSync(join(scratch, `task-${i}.log`), 'utf8') : ''));
    expect(submitted.status, `${submitted.stderr}\n${logs.join('\n')}`).toBe(0);
    for (const [i, log] of logs.entries()) expect(log).toContain(`shard ${i}/4 (Slurm array task ${i})`);

    const claims = readClaims(out);
    const cells = readJson(join(scratch, 'one-process', 'summary.json')).settings.flatMap((s: { cells: string[] }) => s.cells).sort();
    expect(cells.length).toBe(10);
    for (const event of ['claimed', 'finished']) expect(claims.filter((c) => c.event === event).map((c) => c.cell).sort()).toEqual(cells);
    expect(new Set(claims.map((c) => c.pid)).size).toBe(4);
    expect(readJson(join(out, 'summary.json')).settings).toEqual(readJson(join(scratch, 'one-process', 'summary.json')).settings.map((s: { cells: string[] }) => s));
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toBe(readFileSync(join(scratch, 'one-process', 'summary.md'), 'utf8'));
    expect(logs.filter((log) => /wrote /.test(log)).length).toBeGreaterThanOrEqual(1);

    const status = sdt(['study', '--out', out, '--status']);
    expect(status.stdout).toMatch(/10 cells: 10 done, 0 running, 0 pending, 0 failed/);
  }, 600_000);
});

describe('two workers on one machine', () => {
  /** One seed, depth 2, hard labels and soft targets: 2 cells, 4 epochs (a checkpoint after each). */
  const small = (out: string) => ['study', ...grid, '--seeds', '1', '--depths', '2', '--no-cart', '--epochs', '4', '--out', out];

  it('a worker killed with SIGKILL mid-cell has that cell finished by the other, from its checkpoint, with the same result', async () => {
    const reference = sdt([...small(join(scratch, 'small-one-process')), '--quiet']);
    expect(reference.code, reference.stderr).toBe(0);
    const out = join(scratch, 'small');
    const cell = join(out, 'd2-hard-s1');
    const first = startSdt(small(out));
    await until(() => existsSync(join(cell, 'checkpoint.bin')) || existsSync(join(cell, 'manifest.json')), 'the first checkpoint', 180_000);
    const second = startSdt(small(out));
    first.child.kill('SIGKILL');
    expect((await first.exit).signal).toBe('SIGKILL');
    const { code } = await second.exit;
    expect(code, second.stderr()).toBe(0);

    const claims = readClaims(out).filter((c) => c.cell === 'd2-hard-s1');
    expect(claims.map((c) => [c.pid, c.event])).toEqual([[first.child.pid, 'claimed'], [second.child.pid, 'claimed'], [second.child.pid, 'finished']]);
    expect(claims[1].resumed).toBe(true);
    expect(second.stderr()).toContain(`note: took over the lock of ${cell} left by pid ${first.child.pid} on ${hostname()}`);
    expect(metricsOf(cell)).toEqual(metricsOf(join(scratch, 'small-one-process', 'd2-hard-s1')));
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toBe(readFileSync(join(scratch, 'small-one-process', 'summary.md'), 'utf8'));
  }, 300_000);

  it('a worker with another grid is refused while a worker holds a cell; --status names the holder; --summarize writes what is finished', () => {
    const out = join(scratch, 'small');
    const cell = join(out, 'd2-T2-s1');
    // This test's own process stands for a live worker of this host holding the cell.
    rmSync(join(cell, 'manifest.json'));
    mkdirSync(`${cell}.lock`, { recursive: true });
    writeFileSync(`${cell}.lock/holder.json`, JSON.stringify({ host: hostname(), pid: process.pid, since: new Date().toISOString() }));
    const message = expectOneSentence(sdt([...small(out), '--seeds', '2']));
    expect(message).toMatch(/is being run by workers with another grid or settings \(seeds \[1\] \(now \[1,2\]\)\); start this worker with the same options as the others/);

    const status = sdt(['study', '--out', out, '--status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/d2-hard-s1 +done/);
    expect(status.stdout).toMatch(new RegExp(`d2-T2-s1 +running \\(pid ${process.pid} on ${hostname()}, for \\d+ s, heartbeat \\d+ s ago\\)`));
    expect(status.stdout).toMatch(/2 cells: 1 done, 1 running, 0 pending, 0 failed/);

    const summarized = sdt(['study', '--out', out, '--summarize', '--json']);
    expect(summarized.code, summarized.stderr).toBe(0);
    const settings = readJson(join(out, 'summary.json')).settings;
    expect(settings.map((s: { cells: string[] }) => s.cells)).toEqual([['d2-hard-s1']]);
    expect(JSON.parse(summarized.stdout)).toMatchObject({ finishedCells: 1, cells: 2 });
    rmSync(`${cell}.lock`, { recursive: true });
    expect(sdt(['study', '--out', out, '--status']).stdout).toMatch(/d2-T2-s1 +pending/);
  });
});

describe('the README\'s Kubernetes Indexed Job', () => {
  it('parses, and its workers share one volume and split the grid by their completion index', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /## Running a study on a cluster[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme);
    expect(block, 'a yaml block in the section').not.toBeNull();
    const docs = parseAllDocuments(block![1]).map((d) => d.toJS());
    const job = docs.find((d) => d.kind === 'Job');
    const claim = docs.find((d) => d.kind === 'PersistentVolumeClaim');
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.completions).toBeGreaterThan(1);
    expect(job.spec.parallelism).toBeGreaterThan(1);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('OnFailure');
    const container = pod.containers[0];
    const command = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
    expect(command).toContain(`--shard $(JOB_COMPLETION_INDEX)/${job.spec.completions}`);
    const mount = container.volumeMounts[0];
    expect(command).toContain(`--out ${mount.mountPath}/`);
    expect(pod.volumes.find((v: { name: string }) => v.name === mount.name).persistentVolumeClaim.claimName).toBe(claim.metadata.name);
    expect(claim.spec.accessModes).toContain('ReadWriteMany');
    expect(container.env.find((e: { name: string }) => e.name === 'SDT_WASM_THREADS').value).toBe('1');
  });
});
