/** Runs the built `sdt` program as a user would, capturing its output and exit code. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function sdt(args: string[], env: Record<string, string> = {}): Run {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A failure as users must see it: non-zero exit, one line on stderr, no stack trace. */
export function expectOneSentence(run: Run): string {
  if (run.code === 0) throw new Error(`expected failure, got exit 0: ${run.stdout}`);
  const lines = run.stderr.trim().split('\n').filter((l) => !l.startsWith('backend:') && !l.startsWith('dataset:'));
  if (lines.length !== 1 || /\n\s+at /.test(run.stderr)) throw new Error(`expected one sentence, got:\n${run.stderr}`);
  return lines[0];
}
