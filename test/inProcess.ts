/** Runs `sdt` inside the test's process through cli.ts's exported main, capturing its output: option parsing without a process per case. */
import { vi } from 'vitest';
import { main } from '../src/cli.js';
import type { Run } from './run.js';

export async function sdtInProcess(args: string[]): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const capture = (into: string[]) => (chunk: string | Uint8Array) => (into.push(String(chunk)), true);
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture(stdout) as typeof process.stdout.write),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture(stderr) as typeof process.stderr.write),
  ];
  try {
    const code = await main(args);
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    spies.forEach((spy) => spy.mockRestore());
  }
}
