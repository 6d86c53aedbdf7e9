/**
 * Progress of long work: a bar with ETA that redraws itself on a terminal, plain lines
 * (at most one every few seconds) when the output is a log or CI.
 */
export interface Progress {
  update(done: number, note?: string): void;
}

const BAR = 28;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function createProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
  quiet = false,
): Progress {
  const started = performance.now();
  const tty = Boolean(stream.isTTY);
  let lastLine = 0;
  const line = (done: number, note = '') => {
    const elapsed = (performance.now() - started) / 1000;
    const eta = done > 0 ? (elapsed * (total - done)) / done : Infinity;
    const share = total > 0 ? done / total : 1;
    const time = done >= total ? `${duration(elapsed)}` : `ETA ${duration(eta)}`;
    if (!tty) return `${label}: ${done}/${total} (${Math.round(share * 100)}%) ${time}${note ? ' ' + note : ''}`;
    const filled = Math.round(share * BAR);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${Math.round(share * 100)}% ${time}${note ? ' ' + note : ''}`;
  };
  return {
    update(done, note) {
      if (quiet) return;
      const now = performance.now();
      if (tty) {
        if (now - lastLine < 100) return;
        stream.write(`\r\x1b[2K${line(done, note)}`);
      } else {
        if (now - lastLine < 15000) return;
        stream.write(line(done, note) + '\n');
      }
      lastLine = now;
    },
  };
}
