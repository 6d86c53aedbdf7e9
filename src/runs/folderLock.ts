/**
 * One process at a time per output folder. The lock of `runs/a` is the directory
 * `runs/a.lock` beside it (proper-lockfile: an atomic mkdir whose mtime a timer refreshes),
 * with `holder.json` inside naming the host, pid and start time. It sits beside the folder,
 * not in it, so `--force` can move the folder aside while holding it.
 *
 * A lock is stale when, on this host, its holder's pid no longer runs; a holder on another
 * host is judged by proper-lockfile's mtime staleness (no refresh for STALE_MS). A stale lock
 * is taken over with a note; a live one refuses the second process at once.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import { SdtError } from '../errors.js';
import { guardFolder, temporaryOwner } from '../atomicWrite.js';

// proper-lockfile's signal-exit listens to SIGXFSZ and re-raises it when it is its only
// listener, which kills the process at a `ulimit -f` limit. With a listener of our own it
// stands aside, and Node's own choice holds: the write fails with EFBIG, one sentence.
process.on('SIGXFSZ', () => undefined);

/**
 * How long a lock of another host may go without a refresh (its heartbeat: proper-lockfile
 * touches the lock's mtime every STALE_MS / 2) before it counts as abandoned;
 * SDT_LOCK_STALE_SECONDS changes it (at least 10 s), e.g. for clusters with slow shared folders.
 */
export const STALE_MS = (() => {
  const given = Number(process.env.SDT_LOCK_STALE_SECONDS);
  return Number.isFinite(given) && given >= 10 ? given * 1000 : 60_000;
})();
const HOLDER = 'holder.json';

export interface Holder {
  host: string;
  pid: number;
  since: string;
}

export const lockPath = (path: string) => `${resolve(path)}.lock`;

/** Paths this process holds (a stage inside a locked command takes its own lock; the same path twice is one lock). */
const held = new Set<string>();

/**
 * The file system proper-lockfile works through, so that the lock directory holds
 * holder.json: written the moment the directory is made (before proper-lockfile records
 * the directory's mtime, which a later write inside it would change, so that its refresh
 * would take the lock for lost), and removed with it (proper-lockfile removes with rmdir).
 */
function lockFs(holder: Holder) {
  return {
    ...fs,
    mkdir: (path: string, callback: (error: NodeJS.ErrnoException | null) => void) =>
      fs.mkdir(path, (error) => {
        if (error) return callback(error);
        try {
          writeFileSync(join(path, HOLDER), JSON.stringify(holder) + '\n');
        } catch (failure) {
          rmSync(path, { recursive: true, force: true });
          return callback(failure as NodeJS.ErrnoException);
        }
        callback(null);
      }),
    rmdir: (path: string, callback: (error: NodeJS.ErrnoException | null) => void) => fs.rm(path, { recursive: true, force: true }, callback),
    rmdirSync: (path: string) => fs.rmSync(path, { recursive: true, force: true }),
  };
}

export function readHolder(path: string): Holder | undefined {
  try {
    const holder = JSON.parse(readFileSync(join(lockPath(path), HOLDER), 'utf8'));
    return typeof holder?.pid === 'number' && typeof holder?.host === 'string' ? holder : undefined;
  } catch {
    return undefined;
  }
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by another user
  }
}

export const describeHolder = (h: Holder) => `pid ${h.pid} on ${h.host}, since ${h.since}`;

/** The refusal of a lock another live process holds; study workers catch it and move on. */
export class FolderBusy extends SdtError {
  constructor(readonly path: string, readonly holder: Holder | undefined) {
    const who = holder ? `another sdt process (${describeHolder(holder)})` : 'another sdt process (which has not yet recorded its pid)';
    super(`${path} is in use by ${who}; wait for it to finish, or choose another output.`);
  }
}

const busy = (path: string, holder: Holder | undefined) => new FolderBusy(path, holder);

export interface LockState {
  holder: Holder | undefined;
  /** Milliseconds since the holder's last heartbeat (the lock's mtime). */
  heartbeatAge: number;
  /** Held by a process that still runs (this host) or that refreshed it within STALE_MS (another host). */
  live: boolean;
}

/** Who holds the lock of `path`, if anyone, and whether the holder is still alive. */
export function lockState(path: string): LockState | undefined {
  const stat = statSync(lockPath(path), { throwIfNoEntry: false });
  if (!stat) return undefined;
  const holder = readHolder(path);
  const heartbeatAge = Date.now() - stat.mtimeMs;
  const live = holder?.host === hostname() ? isRunning(holder.pid) : heartbeatAge < STALE_MS;
  return { holder, heartbeatAge, live };
}

/** The lock of a holder on this host whose process is gone: removed, with a note of whose it was. */
function removeDeadHolder(path: string, say: (line: string) => void): void {
  const holder = readHolder(path);
  if (!holder || holder.host !== hostname()) return;
  if (isRunning(holder.pid)) throw busy(path, holder);
  rmSync(lockPath(path), { recursive: true, force: true });
  say(`note: took over the lock of ${path} left by ${describeHolder(holder)}, which is no longer running`);
}

/** Temporary files (`.NAME.PID.tmp`) of processes that no longer run, in `folder` (and `depth` − 1 levels below) whose names pass `accept`: removed. */
export function sweepTemporaries(folder: string, depth = 3, accept = (_name: string) => true): string[] {
  let entries: fs.Dirent[];
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return depth > 1 ? sweepTemporaries(path, depth - 1, accept) : [];
    const owner = temporaryOwner(entry.name);
    if (owner === undefined || !accept(entry.name) || isRunning(owner)) return [];
    rmSync(path, { force: true });
    return [path];
  });
}

/** A folder's temporaries, or an output file's own beside it. */
function sweepFor(path: string): string[] {
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) return sweepTemporaries(path);
  return sweepTemporaries(dirname(resolve(path)), 1, (name) => name.startsWith(`.${basename(path)}.`));
}

/** Creates the missing parents of `path`; returns the first one created (to remove again if left empty), if any. */
function makeParents(path: string): string | undefined {
  try {
    return mkdirSync(dirname(resolve(path)), { recursive: true });
  } catch (error) {
    throw new SdtError(`the folder of ${path} cannot be made (${(error as Error).message.replace(/^[A-Z]+: /, '')}).`);
  }
}

/** Removes `folder` if empty, and its parents up to `upTo` as they become empty. */
function removeIfEmpty(folder: string, upTo = folder): void {
  for (let at = resolve(folder); at.startsWith(resolve(upTo)); at = dirname(at)) {
    try {
      rmdirSync(at);
    } catch {
      return; // not empty: something else lives there now
    }
  }
}

export interface LockOptions {
  /** Where notes go (a taken-over lock, swept temporary files). */
  say?: (line: string) => void;
}

/**
 * Runs `work` holding the lock of `path` (an output folder, or an output file), released
 * however `work` ends. Refuses at once, with one sentence naming the holder, when another
 * live process holds it.
 */
export async function withFolderLock<T>(path: string, work: () => Promise<T> | T, options: LockOptions = {}): Promise<T> {
  const key = resolve(path);
  if (held.has(key)) return work();
  const say = options.say ?? ((line: string) => process.stderr.write(line + '\n'));
  const existed = existsSync(path);
  const createdParent = makeParents(path);
  let release: (() => Promise<void>) | undefined;
  let lost: Error | undefined;
  try {
    removeDeadHolder(path, say);
    const before = readHolder(path);
    const holder: Holder = { host: hostname(), pid: process.pid, since: new Date().toISOString() };
    try {
      release = await lockfile.lock(key, {
        realpath: false,
        stale: STALE_MS,
        fs: lockFs(holder),
        onCompromised: (error) => {
          lost = error;
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') throw busy(path, readHolder(path));
      throw new SdtError(`cannot lock ${path}: ${(error as Error).message}.`);
    }
    if (before) say(`note: took over the lock of ${path} left by ${describeHolder(before)}, not refreshed for over ${STALE_MS / 1000} s`);
    const swept = sweepFor(path);
    if (swept.length) say(`note: removed ${swept.length} temporary file${swept.length === 1 ? '' : 's'} left by stopped processes in ${path}`);
    held.add(key);
    const unguard = guardFolder(path, () => lost && `the lock of ${path} was lost (${lost.message})`);
    try {
      return await work();
    } finally {
      unguard();
      held.delete(key);
    }
  } finally {
    await release?.().catch(() => undefined); // already gone (folder removed): nothing left to release
    // A run that made its folder and failed before writing anything leaves no empty folder behind.
    if (!existed) removeIfEmpty(path);
    if (createdParent) removeIfEmpty(dirname(resolve(path)), createdParent);
  }
}

/**
 * Runs `work` (which takes a lock) once no live process holds that lock, polling every
 * `pollMs`: what a study worker does for what it cannot skip (the teacher, the manifest).
 */
export async function whenFree<T>(work: () => Promise<T>, say: (line: string) => void, pollMs = 2000): Promise<T> {
  for (let told = false; ; told = true) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof FolderBusy)) throw error;
      if (!told) say(`waiting for ${error.path}, held by ${error.holder ? describeHolder(error.holder) : 'another sdt process'}`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}
