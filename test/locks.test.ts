/**
 * One process per output folder, and no finished run replaced silently: real processes
 * racing for real folders.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneSentence, sdt, startSdt, type Started, until } from './run.js';

const scratch = mkdtempSync(join(tmpdir(), 'sdt-locks-'));
const quick = ['--limit', '400', '--depth', '2', '--epochs', '2', '--quiet'];
const long = ['--limit', '2000', '--depth', '4', '--epochs', '80', '--quiet'];
const running: Started[] = [];
afterAll(() => running.forEach((r) => r.child.kill('SIGKILL')));

/** Every file below `folder` with its content, so a test can say nothing changed. */
function snapshot(folder: string): Record<string, string> {
  if (!existsSync(folder)) return {};
  return Object.fromEntries(readdirSync(folder, { recursive: true, encoding: 'utf8' }).sort().map((name) => {
    const path = join(folder, name);
    return [name, statSync(path).isDirectory() ? '/' : `${statSync(path).mtimeMs} ${readFileSync(path).toString('base64')}`];
  }));
}

const manifest = (folder: string) => JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));

describe('a lock per output folder', () => {
  it('refuses a second process at once, naming the holder; a lock of a killed process is taken over with a note', async () => {
    const out = join(scratch, 'busy');
    const first = startSdt(['baseline', ...long, '--out', out]);
    running.push(first);
    await until(() => existsSync(join(out, 'checkpoint.bin')), 'the first checkpoint');
    const holder = JSON.parse(readFileSync(`${out}.lock/holder.json`, 'utf8'));
    expect(holder).toMatchObject({ host: hostname(), pid: first.child.pid });

    const before = Date.now();
    const second = sdt(['cart', '--limit', '100', '--out', out]);
    expect(Date.now() - before).toBeLessThan(20_000); // Node's start-up and imports; no waiting for the lock
    expect(expectOneSentence(second)).toMatch(new RegExp(`${out} is in use by another sdt process \\(pid ${first.child.pid} on ${hostname()}, since ${holder.since.replace(/\./g, '\\.')}\\)`));
    expect(existsSync(join(out, 'cart.json.gz'))).toBe(false);

    first.child.kill('SIGKILL');
    await first.exit;
    expect(existsSync(`${out}.lock`)).toBe(true); // kill -9 runs no clean-up
    const resumed = sdt(['baseline', '--resume', out, '--quiet']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`note: took over the lock of ${out} left by pid ${first.child.pid} on ${hostname()}`);
    expect(resumed.stderr).toContain('which is no longer running');
    expect(existsSync(`${out}.lock`)).toBe(false);
  }, 300_000);

  it('keeps its lock past the first refreshes (every 30 s): writes after a minute still land', async () => {
    const out = join(scratch, 'long');
    const lock = new URL('../dist/src/runs/folderLock.js', import.meta.url).href;
    const files = new URL('../dist/src/runs/files.js', import.meta.url).href;
    const holder = spawn(process.execPath, ['--input-type=module', '-e', [
      `const { withFolderLock } = await import(${JSON.stringify(lock)});`,
      `const { ensureFolder, writeJsonAtomic } = await import(${JSON.stringify(files)});`,
      `await withFolderLock(${JSON.stringify(out)}, async () => {`,
      `  ensureFolder(${JSON.stringify(out)});`,
      '  await new Promise((resolve) => setTimeout(resolve, 65_000));',
      `  writeJsonAtomic(${JSON.stringify(join(out, 'late.json'))}, { late: true });`,
      '});',
    ].join('\n')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    holder.stderr.on('data', (d) => (stderr += d));
    await until(() => existsSync(`${out}.lock/holder.json`), 'the lock');
    const taken = statSync(`${out}.lock`).mtimeMs;
    const code = new Promise((resolve) => holder.on('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 45_000));
    expect(statSync(`${out}.lock`).mtimeMs).toBeGreaterThan(taken); // the heartbeat another host judges it by
    expect(await code, stderr).toBe(0);
    expect(stderr).toBe('');
    expect(JSON.parse(readFileSync(join(out, 'late.json'), 'utf8'))).toEqual({ late: true });
    expect(existsSync(`${out}.lock`)).toBe(false);
  }, 120_000);

  it('judges a holder on another host by its heartbeat: refused while fresh, taken over once stale', () => {
    const out = join(scratch, 'elsewhere');
    mkdirSync(`${out}.lock`);
    writeFileSync(`${out}.lock/holder.json`, JSON.stringify({ host: 'another-host', pid: 4242, since: '2026-01-01T00:00:00.000Z' }));
    expect(expectOneSentence(sdt(['cart', '--limit', '100', '--max-depth', '2', '--out', out]))).toContain('pid 4242 on another-host, since 2026-01-01T00:00:00.000Z');
    const old = new Date(Date.now() - 120_000);
    utimesSync(`${out}.lock`, old, old);
    const run = sdt(['cart', '--limit', '100', '--max-depth', '2', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`note: took over the lock of ${out} left by pid 4242 on another-host`);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });

  it('a study takes each cell\'s lock: a cell another live process holds is passed over, waited for, and taken over once its holder stops', async () => {
    const teacher = join(scratch, 'teacher');
    expect(sdt(['teacher', '--limit', '400', '--epochs', '1', '--batch-size', '32', '--quiet', '--out', teacher]).code).toBe(0);
    const out = join(scratch, 'study');
    const cell = join(out, 'd2-hard-s1');
    const sleeper = spawn('sleep', ['600']);
    mkdirSync(`${cell}.lock`, { recursive: true });
    writeFileSync(`${cell}.lock/holder.json`, JSON.stringify({ host: hostname(), pid: sleeper.pid, since: '2026-01-01T00:00:00.000Z' }));
    const run = startSdt(['study', '--teacher', teacher, '--limit', '400', '--epochs', '1', '--seeds', '1', '--depths', '2', '--temperatures', '2', '--depth', '2', '--no-cart', '--no-report', '--out', out]);
    await until(() => /d2-T2-s1: trained/.test(run.stderr()), 'the free cell', 180_000);
    expect(run.stderr()).toMatch(new RegExp(`cell 1/3 d2-hard-s1: being trained by pid ${sleeper.pid} on ${hostname()}; passed over`));
    expect(existsSync(join(cell, 'manifest.json'))).toBe(false);
    sleeper.kill('SIGKILL');
    expect((await run.exit).code, run.stderr()).toBe(0);
    expect(run.stderr()).toContain(`note: took over the lock of ${cell} left by pid ${sleeper.pid} on ${hostname()}`);
    expect(existsSync(join(cell, 'manifest.json'))).toBe(true);
    expect(existsSync(`${out}.lock`)).toBe(false);
  }, 240_000);
});

describe('a finished run is never replaced silently', () => {
  const out = join(scratch, 'finished');
  const baseline = (...extra: string[]) => sdt(['baseline', ...quick, '--out', out, ...extra]);

  it('the same configuration again: already done, exit 0, nothing touched', () => {
    expect(baseline().code).toBe(0);
    const before = snapshot(out);
    const again = baseline('--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ run: out, alreadyDone: true });
    expect(baseline().stdout).toMatch(new RegExp(`${out} already holds this finished baseline run \\(made .*\\); nothing to do`));
    expect(snapshot(out)).toEqual(before);
  });

  it('another configuration: exit 1 naming each differing setting with both values and the two ways out, nothing touched', () => {
    const before = snapshot(out);
    const message = expectOneSentence(baseline('--seed', '7', '--lambda', '0.5'));
    expect(message).toContain(`${out} holds a finished baseline run with`);
    expect(message).toContain('seed 1 (now 7)');
    expect(message).toContain('lambda 0.1 (now 0.5)');
    expect(message).toMatch(/another --out, or --force/);
    expect(expectOneSentence(sdt(['cart', '--limit', '400', '--out', out]))).toContain(`${out} holds a finished baseline run, not a cart run`);
    expect(snapshot(out)).toEqual(before);
  });

  it('--force moves the finished run aside to NAME.previous-<time> and runs anew', () => {
    const before = snapshot(out);
    const run = baseline('--seed', '7', '--force');
    expect(run.code, run.stderr).toBe(0);
    const moved = readdirSync(scratch).filter((name) => name.startsWith('finished.previous-'));
    expect(moved).toHaveLength(1);
    expect(moved[0]).toMatch(/^finished\.previous-\d{8}T\d{6}Z$/);
    expect(run.stderr).toContain(`note: moved the finished baseline run in ${out} aside to ${join(scratch, moved[0])} (--force)`);
    expect(snapshot(join(scratch, moved[0]))).toEqual(before);
    expect(manifest(out).seed).toBe(7);
  });
});
