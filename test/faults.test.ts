/**
 * Faults mid-write with real OS limits, not mocks: a file-size limit (`ulimit -f` in a child
 * shell; Node ignores SIGXFSZ, so the write fails with EFBIG), the output folder deleted or
 * made read-only while a run writes it (tests run as root, whom permissions do not stop, so
 * it becomes a read-only bind mount), and temporary files of a killed process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, expectOneSentence, sdt, startSdt, type Started, until } from './run.js';

const scratch = mkdtempSync(join(tmpdir(), 'sdt-faults-'));
const training = ['--limit', '2000', '--depth', '4', '--quiet'];
const running: Started[] = [];
afterAll(() => running.forEach((r) => r.child.kill('SIGKILL')));

/** `sdt` in a child bash whose file-size limit is `kilobytes` (bash counts 1024-byte blocks). */
function limited(kilobytes: number, args: string[]) {
  const result = spawnSync('bash', ['-c', `ulimit -f ${kilobytes}; exec "$0" "$@"`, process.execPath, cli, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, signal: result.signal };
}

const temporaries = (folder: string) => readdirSync(folder).filter((name) => name.endsWith('.tmp'));

describe('a file-size limit hit mid-write (ulimit -f)', () => {
  it('while writing a checkpoint: one sentence, exit 1, the previous checkpoint intact', async () => {
    const out = join(scratch, 'checkpoint');
    const run = startSdt(['baseline', ...training, '--epochs', '30', '--out', out]);
    running.push(run);
    await until(() => existsSync(join(out, 'checkpoint.bin')), 'the first checkpoint');
    run.child.kill('SIGINT');
    expect((await run.exit).code).toBe(130);
    const previous = readFileSync(join(out, 'checkpoint.bin'));
    expect(previous.length).toBeGreaterThan(64 * 1024);

    const resumed = limited(64, ['baseline', '--resume', out, '--quiet']);
    expect(resumed.signal).toBeNull(); // not killed by SIGXFSZ
    expect(expectOneSentence(resumed)).toBe(`sdt: cannot write ${join(out, 'checkpoint.bin')}: the file would exceed the file-size limit (ulimit -f).`);
    expect(readFileSync(join(out, 'checkpoint.bin')).equals(previous)).toBe(true);
    expect(temporaries(out)).toEqual([]);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });

  it('while writing a model: one sentence, exit 1, no half-written model, no finished run', () => {
    const out = join(scratch, 'model');
    const run = limited(1, ['baseline', ...training, '--epochs', '1', '--out', out]);
    expect(expectOneSentence(run)).toBe(`sdt: cannot write ${join(out, 'tree.json.gz')}: the file would exceed the file-size limit (ulimit -f).`);
    expect(existsSync(out)).toBe(false); // the folder it made, empty, is removed too
  });

  it('while replacing an explanation: the previous files stay whole', () => {
    const model = join(scratch, 'model-ok');
    expect(sdt(['baseline', '--limit', '400', '--depth', '2', '--epochs', '1', '--quiet', '--out', model]).code).toBe(0);
    const svg = join(scratch, 'tree.svg');
    expect(sdt(['explain', '--model', join(model, 'tree.json.gz'), '--limit', '100', '--out', svg, '--quiet']).code).toBe(0);
    const previous = readFileSync(svg);
    const run = limited(1, ['explain', '--model', join(model, 'tree.json.gz'), '--limit', '100', '--index', '3', '--out', svg, '--quiet']);
    expect(expectOneSentence(run)).toBe(`sdt: cannot write ${svg}: the file would exceed the file-size limit (ulimit -f).`);
    expect(readFileSync(svg).equals(previous)).toBe(true);
    expect(temporaries(scratch)).toEqual([]);
  });
});

describe('the output folder taken away mid-run', () => {
  it('deleted: one sentence, exit 1, and the folder is not made again', async () => {
    const out = join(scratch, 'deleted');
    const run = startSdt(['baseline', ...training, '--epochs', '80', '--out', out]);
    running.push(run);
    await until(() => existsSync(join(out, 'checkpoint.bin')), 'the first checkpoint');
    rmSync(out, { recursive: true });
    expect((await run.exit).code).toBe(1);
    expect(expectOneSentence({ code: 1, stdout: '', stderr: run.stderr() })).toBe(`sdt: output folder ${out} was deleted while this run was writing it.`);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });

  it('made read-only (a read-only bind mount: root writes through permissions, not through that): one sentence, exit 1, the last checkpoint intact', async () => {
    const out = join(scratch, 'read-only');
    const run = startSdt(['baseline', ...training, '--epochs', '80', '--out', out]);
    running.push(run);
    await until(() => existsSync(join(out, 'checkpoint.bin')) || run.child.exitCode !== null, 'the first checkpoint');
    const mount = (...args: string[]) => expect(spawnSync('mount', args, { encoding: 'utf8' }).stderr).toBe('');
    mount('--bind', out, out);
    try {
      mount('-o', 'remount,ro,bind', out);
      const previous = readFileSync(join(out, 'checkpoint.bin'));
      expect((await run.exit).code, run.stderr()).toBe(1);
      expect(expectOneSentence({ code: 1, stdout: '', stderr: run.stderr() })).toBe(`sdt: output folder ${out} is not writable (${out} is read-only). Choose another --out.`);
      expect(readFileSync(join(out, 'checkpoint.bin')).equals(previous)).toBe(true);
      expect(existsSync(`${out}.lock`)).toBe(false);
    } finally {
      spawnSync('umount', [out]);
    }
  });
});

describe('temporary files of a killed process', () => {
  it('are swept at the next start in that folder; a live process\'s are left alone', async () => {
    const out = join(scratch, 'swept');
    mkdirSync(out);
    // A real writer killed with -9 mid-write: sdt's own atomic write of large files, in a loop.
    const files = new URL('../dist/src/atomicWrite.js', import.meta.url).href;
    const writer = spawn(process.execPath, ['--input-type=module', '-e',
      `const { writeFileAtomic } = await import(${JSON.stringify(files)}); for (;;) writeFileAtomic(${JSON.stringify(join(out, 'big.bin'))}, Buffer.alloc(256 << 20, 1));`]);
    await until(() => temporaries(out).length > 0, 'a temporary file');
    writer.kill('SIGKILL');
    await new Promise((resolve) => writer.on('exit', resolve));
    const dead = temporaries(out);
    expect(dead).toEqual([`.big.bin.${writer.pid}.tmp`]);
    const live = `.other.${process.pid}.tmp`;
    writeFileSync(join(out, live), 'in progress');

    const run = sdt(['cart', '--limit', '100', '--max-depth', '2', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`note: removed 1 temporary file left by stopped processes in ${out}`);
    expect(temporaries(out)).toEqual([live]);
  });
});

