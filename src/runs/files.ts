/**
 * Every file sdt writes appears whole or not at all: it is written under a temporary name
 * in the same folder and renamed into place.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SdtError } from '../errors.js';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new SdtError(`cannot write ${path}: ${(error as Error).message.replace(/^[A-Z]+: /, '')}.`);
  }
}

/** JSON, gzipped when the name ends in .gz. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const text = JSON.stringify(value, null, path.endsWith('.gz') ? undefined : 1) + '\n';
  writeFileAtomic(path, path.endsWith('.gz') ? gzipSync(text) : text);
}

/** Makes (or reuses) an output folder, refusing a path that is a file or not writable. */
export function ensureFolder(path: string): string {
  try {
    if (statSync(path, { throwIfNoEntry: false })?.isFile()) throw new SdtError(`output folder ${path} is a file.`, 'Choose another --out.');
    mkdirSync(path, { recursive: true });
    const probe = join(path, `.write-test.${process.pid}`);
    writeFileAtomic(probe, '');
    rmSync(probe, { force: true });
    return path;
  } catch (error) {
    if (error instanceof SdtError && error.message.startsWith('output folder')) throw error;
    throw new SdtError(`output folder ${path} is not writable: ${(error as Error).message.replace(/^[A-Z]+: /, '')}`, 'Choose another --out.');
  }
}
