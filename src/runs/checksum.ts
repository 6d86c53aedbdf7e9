/**
 * Content checksums for the JSON files sdt writes (model files, run manifests): the sha256
 * of the object's canonical JSON — keys sorted, null values left out, the "checksum" field
 * itself excluded. Reading verifies it when present; files from other programs may omit it.
 */
import { createHash } from 'node:crypto';
import { SdtError } from '../errors.js';

/** JSON with object keys sorted and null values left out, so equal content gives equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).sort(([a], [b]) => a.localeCompare(b)))
      : v);
}

function digest(value: Record<string, unknown>): string {
  const { checksum: _ignored, ...content } = value;
  return 'sha256:' + createHash('sha256').update(canonicalJson(content)).digest('hex');
}

export function withChecksum<T extends object>(value: T): T & { checksum: string } {
  return { ...value, checksum: digest(value as Record<string, unknown>) };
}

export function verifyChecksum(value: Record<string, unknown>, path: string): void {
  if (value.checksum === undefined) return;
  if (value.checksum !== digest(value)) throw new SdtError(`${path} does not match its checksum (edited or corrupt).`);
}
