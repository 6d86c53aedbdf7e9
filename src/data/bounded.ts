/**
 * Untrusted files are measured before they are read: a file (or a gzip stream, or a size a
 * header declares) larger than this machine can hold is refused with its size, instead of
 * an allocation failure or a process killed by the kernel.
 */
import { readFileSync, statSync } from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { totalmem } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { SdtError } from '../errors.js';

/**
 * The most bytes one input may take in memory: an eighth of the machine's memory (a dataset
 * becomes float32, four times its bytes, and training needs room beside it), and never more
 * than one Node buffer or readFileSync call can hold (2 GiB − 1).
 */
export const MAX_INPUT_BYTES = Math.min(Math.floor(totalmem() / 8), 2 ** 31 - 1, bufferConstants.MAX_LENGTH);
/** Text is decoded into one JavaScript string: V8's longest string bounds it too. */
export const MAX_TEXT_BYTES = Math.min(MAX_INPUT_BYTES, bufferConstants.MAX_STRING_LENGTH);

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Refuses `bytes` (a file's size, or the size its header declares) above `limit`. */
export function checkInputSize(what: string, bytes: number, limit = MAX_INPUT_BYTES, verb = 'is'): void {
  if (bytes > limit) {
    throw new SdtError(`${what} ${verb} ${formatBytes(bytes)}, more than sdt reads into memory on this machine (at most ${formatBytes(limit)}).`);
  }
}

/** A file's bytes, refused unread when it is larger than `limit`; `describe` turns a read error into a sentence. */
export function readBounded(path: string, what: string, describe: (error: unknown) => string, limit = MAX_INPUT_BYTES): Buffer {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    throw new SdtError(`cannot read ${what}: ${describe(error)}.`);
  }
  checkInputSize(what, size, limit);
  try {
    return readFileSync(path);
  } catch (error) {
    throw new SdtError(`cannot read ${what}: ${describe(error)}.`);
  }
}

/** Gunzips at most `limit` bytes: a small file that inflates to gigabytes is refused as it inflates. */
export function gunzipBounded(bytes: Uint8Array, what: string, limit = MAX_INPUT_BYTES): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new SdtError(`${what} inflates to more than ${formatBytes(limit)}, more than sdt reads into memory on this machine.`);
    }
    throw error;
  }
}
