/**
 * Every file sdt writes appears whole or not at all: it is written under a temporary name
 * in the same folder, flushed, and renamed into place.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { SdtError } from './errors.js';
import { describeFsError } from './fsErrors.js';

/** Output folders whose lock this process holds: their identity once made or used, and why the lock was lost, if it was. */
const guarded = new Map<string, { inode?: number; lost: () => string | undefined }>();

/** Watches `path` while its lock is held (runs/folderLock.ts): writes into it fail once it is deleted, replaced or its lock lost. */
export function guardFolder(path: string, lost: () => string | undefined): () => void {
  const key = resolve(path);
  // Its identity is taken when the run first makes or uses it (folderMade), after any --force move.
  guarded.set(key, { lost });
  return () => guarded.delete(key);
}

/** Records a guarded folder's identity the first time the run makes or uses it. */
export function folderMade(path: string): void {
  const guard = guarded.get(resolve(path));
  if (guard && guard.inode === undefined) guard.inode = statSync(path).ino;
}

/** Refuses a write into a guarded folder that was deleted or replaced since this run made it, or whose lock was lost. */
export function checkGuarded(folder: string): void {
  const guard = guarded.get(resolve(folder));
  if (!guard) return;
  const why = guard.lost();
  if (why) throw new SdtError(`${why}; stopped writing ${folder}.`);
  const inode = statSync(folder, { throwIfNoEntry: false })?.ino;
  if (guard.inode !== undefined && inode !== guard.inode) throw new SdtError(`output folder ${folder} was ${inode === undefined ? 'deleted' : 'replaced'} while this run was writing it.`);
}

/** The pid in a temporary file's name (`.NAME.PID.tmp`), so a sweeper knows whose it is. */
export function temporaryOwner(name: string): number | undefined {
  const match = /^\..+\.(\d+)\.tmp$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  checkGuarded(dirname(path));
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temporary, 'w');
    try {
      // A write may stop short (a file-size limit, a full disk); the next one then names the error.
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new SdtError(`cannot write ${path}: ${describeFsError(error)}.`);
  }
}
