/**
 * SHA-256 of data files, for run manifests: a result is only reproducible if we know
 * exactly which bytes it was trained on. Hashing full MNIST takes a noticeable fraction of
 * a second, so digests are remembered per path, size and modification time.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SdtError } from '../errors.js';
import { describeFsError } from '../fsErrors.js';
import { checkInputSize } from './bounded.js';

interface CachedDigest {
  size: number;
  mtimeMs: number;
  sha256: string;
}

const digests = new Map<string, CachedDigest>();

/** Hex SHA-256 of the file's bytes as stored (a `.gz` file is hashed compressed). */
export function sha256File(path: string): string {
  const absolute = resolve(path);
  let size: number;
  let mtimeMs: number;
  let bytes: Buffer;
  try {
    ({ size, mtimeMs } = statSync(absolute));
    const cached = digests.get(absolute);
    if (cached && cached.size === size && cached.mtimeMs === mtimeMs) return cached.sha256;
    checkInputSize(`data file ${absolute}`, size);
    bytes = readFileSync(absolute);
  } catch (error) {
    if (error instanceof SdtError) throw error;
    throw new SdtError(`cannot checksum ${absolute}: ${describeFsError(error)}.`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  digests.set(absolute, { size, mtimeMs, sha256 });
  return sha256;
}
