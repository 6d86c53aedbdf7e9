/**
 * The study's claims log, `OUT/claims.log`: one JSON line per event of a worker on a cell
 * (claimed, finished, failed), appended, so `--status` can name a cell's last error and a
 * test can count how often each cell was trained.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface Claim {
  at: string;
  host: string;
  pid: number;
  cell: string;
  event: 'claimed' | 'finished' | 'failed';
  /** claimed: whether a checkpoint was there to resume from; failed: the error. */
  resumed?: boolean;
  error?: string;
}

export const claimsPath = (out: string) => join(out, 'claims.log');

/** One short line per write: appends of a few hundred bytes do not interleave on a local disk. */
export function logClaim(out: string, cell: string, event: Claim['event'], extra: Pick<Claim, 'resumed' | 'error'> = {}): void {
  const claim: Claim = { at: new Date().toISOString(), host: hostname(), pid: process.pid, cell, event, ...extra };
  appendFileSync(claimsPath(out), JSON.stringify(claim) + '\n');
}

export function readClaims(out: string): Claim[] {
  let text: string;
  try {
    text = readFileSync(claimsPath(out), 'utf8');
  } catch {
    return [];
  }
  // A line cut short by a worker killed mid-append is skipped.
  return text.split('\n').flatMap((line) => {
    try {
      return line ? [JSON.parse(line) as Claim] : [];
    } catch {
      return [];
    }
  });
}
