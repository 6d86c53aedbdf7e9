/** Output folders, checked before any work, and the JSON files written into them. */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { checkGuarded, folderMade, writeFileAtomic } from '../atomicWrite.js';
import { SdtError } from '../errors.js';
import { describeFsError } from '../fsErrors.js';

/** JSON, gzipped when the name ends in .gz. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const text = JSON.stringify(value, null, path.endsWith('.gz') ? undefined : 1) + '\n';
  writeFileAtomic(path, path.endsWith('.gz') ? gzipSync(text) : text);
}

/** Makes (or reuses) an output folder, refusing a path that is a file or not writable. */
export function ensureFolder(path: string): string {
  checkGuarded(path); // a locked folder deleted mid-run is not made again
  checkOutFolder(path);
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    throw new SdtError(`output folder ${path} cannot be made: ${describeFsError(error)}.`, 'Choose another --out.');
  }
  folderMade(path);
  return path;
}

/**
 * Checks, before any work and without writing anything, that `path` can become an output
 * folder: it is a folder already, or its nearest existing ancestor is a writable folder.
 */
export function checkOutFolder(path: string): string {
  const suggestion = 'Choose another --out.';
  for (let at = resolve(path); ; at = dirname(at)) {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(at, { throwIfNoEntry: false });
    } catch {
      stat = undefined; // ENOTDIR: an ancestor is a file, found further up
    }
    if (stat) {
      if (!stat.isDirectory()) throw new SdtError(at === resolve(path) ? `output folder ${path} is a file.` : `output folder ${path} cannot be made: ${at} is a file.`, suggestion);
      try {
        accessSync(at, constants.W_OK);
      } catch {
        throw new SdtError(`output folder ${path} is not writable (${at} is read-only).`, suggestion);
      }
      return path;
    }
    if (dirname(at) === at) return path;
  }
}
