/**
 * Where each cell of a study stands, read from its folder alone (any machine sharing it can
 * ask): done (a finished run's manifest), running (a live lock: which host and pid, for how
 * long), failed (the claims log's last word on it is an error), or pending.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SdtError } from '../errors.js';
import { describeHolder, lockState } from '../runs/folderLock.js';
import { readManifest } from '../runs/manifest.js';
import { readClaims } from './claims.js';
import { studyCells, type StudyCell } from './grid.js';
import { recordedGrid } from './runStudy.js';

export type CellState =
  | { cell: StudyCell; state: 'done' }
  | { cell: StudyCell; state: 'running'; holder: string; seconds: number; heartbeat: number }
  | { cell: StudyCell; state: 'failed'; error: string }
  | { cell: StudyCell; state: 'pending'; note?: string };

/** The study recorded in `out/manifest.json`: its configuration, grid and cells. */
export function readStudy(out: string) {
  if (!existsSync(join(out, 'manifest.json'))) throw new SdtError(`${out} holds no study (it has no manifest.json); give the --out of a study.`);
  const manifest = readManifest(out);
  if (manifest.command !== 'study') throw new SdtError(`${out} holds a ${manifest.command} run, not a study.`);
  const config = manifest.config as Record<string, any>;
  return { config, cells: studyCells(recordedGrid(config)), teacherFolder: (config.teacherFolder as string | null) ?? join(out, 'teacher') };
}

export function cellStates(out: string, cells: StudyCell[]): CellState[] {
  const lastClaim = new Map(readClaims(out).map((c) => [c.cell, c]));
  return cells.map((cell): CellState => {
    const folder = join(out, cell.name);
    if (existsSync(join(folder, 'manifest.json'))) return { cell, state: 'done' };
    const lock = lockState(folder);
    if (lock?.live) {
      const since = lock.holder ? Date.parse(lock.holder.since) : NaN;
      return { cell, state: 'running', holder: lock.holder ? `pid ${lock.holder.pid} on ${lock.holder.host}` : 'a process starting up', seconds: Number.isFinite(since) ? (Date.now() - since) / 1000 : 0, heartbeat: lock.heartbeatAge / 1000 };
    }
    const claim = lastClaim.get(cell.name);
    if (claim?.event === 'failed') return { cell, state: 'failed', error: claim.error ?? 'unknown error' };
    if (lock?.holder) return { cell, state: 'pending', note: `left by ${describeHolder(lock.holder)}, which stopped; the next worker resumes it` };
    return { cell, state: 'pending' };
  });
}

const duration = (seconds: number) => (seconds < 120 ? `${Math.round(seconds)} s` : seconds < 7200 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`);

/** `--status`: one line per cell, then the counts. */
export function statusText(states: CellState[]): string {
  const lines = states.map((s) => {
    const detail = s.state === 'running' ? ` (${s.holder}, for ${duration(s.seconds)}, heartbeat ${duration(s.heartbeat)} ago)` : s.state === 'failed' ? `: ${s.error}` : s.state === 'pending' && s.note ? ` (${s.note})` : '';
    return `${s.cell.name.padEnd(20)} ${s.state}${detail}`;
  });
  const count = (state: CellState['state']) => states.filter((s) => s.state === state).length;
  return [...lines, '', `${states.length} cells: ${count('done')} done, ${count('running')} running, ${count('pending')} pending, ${count('failed')} failed`].join('\n');
}
