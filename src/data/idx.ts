/**
 * Reader for the idx format of MNIST and its relatives (http://yann.lecun.com/exdb/mnist/):
 * bytes 0–1 are zero, byte 2 the element type, byte 3 the number of dimensions, then one
 * big-endian uint32 per dimension, then the elements. Only unsigned bytes (type 0x08) are
 * read: every dataset we ship or name uses them. Files may be gzip-compressed as
 * distributed (Debian ships Fashion-MNIST as `.gz`).
 */
import { SdtError } from '../errors.js';
import { describeFsError } from '../fsErrors.js';
import { gunzipBounded, readBounded } from './bounded.js';

export interface IdxArray {
  dims: number[];
  /** The elements, row-major, one byte each. */
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;
const TYPE_NAMES: Record<number, string> = {
  0x09: 'signed byte',
  0x0b: 'short',
  0x0c: 'int',
  0x0d: 'float',
  0x0e: 'double',
};

/** Reads a whole idx file, decompressing it first if it starts with the gzip magic 1f 8b. */
export function readIdx(path: string): IdxArray {
  const bytes = decompressIfGzip(path, readBytes(path));
  if (bytes.length === 0) throw new SdtError(`idx file ${path} is empty.`);
  if (bytes.length < 4) {
    throw new SdtError(`idx file ${path} has a truncated header: expected at least 4 bytes, found ${bytes.length}.`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const found = hex(bytes[0]) + ' ' + hex(bytes[1]);
    throw new SdtError(`idx file ${path} has a wrong magic number: bytes 0–1 are ${found}, expected 00 00.`);
  }
  const type = bytes[2];
  if (type !== UNSIGNED_BYTE) {
    const name = TYPE_NAMES[type] ? ` (${TYPE_NAMES[type]})` : '';
    throw new SdtError(
      `idx file ${path} has a wrong magic number: element type ${hex(type)}${name} at offset 2 is not supported, only 08 (unsigned byte).`,
    );
  }
  const rank = bytes[3];
  if (rank < 1 || rank > 4) {
    throw new SdtError(`idx file ${path} has a wrong magic number: ${rank} dimensions at offset 3, expected 1 to 4.`);
  }
  const headerLength = idxHeaderLength(rank);
  if (bytes.length < headerLength) {
    throw new SdtError(
      `idx file ${path} has a truncated header: ${rank} dimensions need ${headerLength} bytes, found ${bytes.length}.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = bytes.length - headerLength;
  const shape = rank > 1 ? ` for shape ${dims.join('×')}` : '';
  if (found < expected) {
    throw new SdtError(
      `idx file ${path} is truncated: expected ${expected} bytes of data${shape} after offset ${headerLength}, found ${found}.`,
    );
  }
  if (found > expected) {
    throw new SdtError(
      `idx file ${path} has ${found - expected} extra bytes after the ${expected} bytes of data${shape} it declares.`,
    );
  }
  return { dims, data: bytes.subarray(headerLength) };
}

/** Byte offset of the first element in an (uncompressed) idx file of `rank` dimensions. */
export function idxHeaderLength(rank: number): number {
  return 4 + 4 * rank;
}

function readBytes(path: string): Uint8Array {
  return readBounded(path, `idx file ${path}`, describeFsError);
}

function decompressIfGzip(path: string, bytes: Uint8Array): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipBounded(bytes, `idx file ${path}`);
  } catch (error) {
    if (error instanceof SdtError) throw error;
    const reason = error instanceof Error ? error.message.replace(/\.$/, '') : String(error);
    throw new SdtError(`idx file ${path} is a corrupt gzip file (${reason}).`);
  }
}


function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
