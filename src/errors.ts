/**
 * Every failure a user can cause ends up as an SdtError: one plain sentence naming the
 * file (and line or offset) and the problem, optionally a suggestion. The CLI prints it
 * without a stack trace and exits non-zero.
 */
export class SdtError extends Error {
  constructor(
    message: string,
    readonly suggestion?: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'SdtError';
  }
}

/** Prints any error as one sentence and returns the exit code to use. */
export function reportError(error: unknown, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): number {
  if (error instanceof SdtError) {
    write(`sdt: ${error.message}` + (error.suggestion ? ` ${error.suggestion}` : ''));
    return error.exitCode;
  }
  const code = (error as { code?: string })?.code;
  if (typeof code === 'string' && code.startsWith('commander.')) return (error as { exitCode?: number }).exitCode ?? 1;
  const message = error instanceof Error ? error.message : String(error);
  write(`sdt: internal error: ${message.split('\n')[0]} (set SDT_DEBUG=1 for the stack trace)`);
  if (process.env.SDT_DEBUG) write(String((error as Error)?.stack ?? error));
  return 2;
}
