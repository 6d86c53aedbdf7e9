/** Runs the built `sdt` program as a user would, capturing its output and exit code. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const cli = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));

/** Debian's python3-sklearn ships small tables (wine, breast cancer, digits) as CSV files here. */
export const SKLEARN = '/usr/lib/python3/dist-packages/sklearn/datasets/data';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function sdt(args: string[], env: Record<string, string> = {}): Run {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A failure caused by the user's input or environment, as users must see it: exit 1, one
 * line on stderr, no stack trace. Exit 2 (`sdt: internal error`) is a bug, never accepted.
 */
export function expectOneSentence(run: Run): string {
  if (run.code !== 1) throw new Error(`expected exit 1 (the user's input or environment), got ${run.code}: ${run.stderr}${run.stdout}`);
  const lines = run.stderr.trim().split('\n').filter((l) => !l.startsWith('backend:') && !l.startsWith('dataset:') && !l.startsWith('note:'));
  if (lines.length !== 1 || /\n\s+at /.test(run.stderr) || /internal error/.test(run.stderr)) throw new Error(`expected one sentence, got:\n${run.stderr}`);
  return lines[0];
}

/** A running `sdt` (optionally behind a wrapper command such as setpriv), its stderr collected. */
export interface Started {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startSdt(args: string[], wrapper: string[] = []): Started {
  const [command, ...rest] = wrapper.length ? [...wrapper, process.execPath] : [process.execPath];
  const child = spawn(command, [...rest, cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stderr: () => stderr, exit };
}

/** Waits until `check()` holds, polling every 20 ms; fails after `ms`. */
export async function until(check: () => boolean, what: string, ms = 120_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
