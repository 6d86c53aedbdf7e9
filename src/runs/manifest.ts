/** What a run folder records about how it was made, so a command can make it again. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, platform, release } from 'node:os';
import type { BackendChoice } from '../backend.js';
import { join } from 'node:path';
import type { DataFile } from '../data/dataset.js';
import { SdtError } from '../errors.js';
import { verifyChecksum, withChecksum } from './checksum.js';
import { gitCommit } from './gitCommit.js';

const require = createRequire(import.meta.url);

function packageVersion(name: string): string | null {
  try {
    return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    return null;
  }
}

/** sdt's own package.json, found by walking up from this file (src/ under tests, dist/src/ when built). */
function ownPackage(): { version: string } {
  for (let url = new URL('.', import.meta.url); url.pathname !== '/'; url = new URL('..', url)) {
    try {
      const found = JSON.parse(readFileSync(new URL('package.json', url), 'utf8'));
      if (found.name === 'sdt-distill') return found;
    } catch {
      // not here; keep walking up
    }
  }
  return { version: 'unknown' };
}

export const SDT_VERSION = ownPackage().version;

/**
 * The commit of the code this process runs: the one stamped when it was built
 * (dist/build-commit.json), else (running from src/, under tests) the checkout's. Read once,
 * when the process starts: a long run records the code it loaded, not the checkout's state
 * when it happens to finish.
 */
function ownCommit(): string | null {
  try {
    return JSON.parse(readFileSync(new URL('../../build-commit.json', import.meta.url), 'utf8')).commit;
  } catch {
    return gitCommit(new URL('.', import.meta.url).pathname);
  }
}

export const SDT_COMMIT = ownCommit();

export interface Manifest {
  format: 'sdt-run/1';
  command: string;
  argv: string[];
  config: Record<string, unknown>;
  seed: number;
  backend: BackendChoice;
  versions: Record<string, string | null>;
  machine: { cpu: string; cores: number; platform: string };
  data: DataFile[];
  createdAt: string;
  checksum: string;
}

/** A run's configuration: whatever the command took, and always its seed. */
export type RunConfig = Record<string, unknown> & { seed: number };

export function createManifest(
  command: string,
  config: RunConfig,
  backend: BackendChoice,
  data: DataFile[],
): Manifest {
  return withChecksum({
    format: 'sdt-run/1' as const,
    command,
    argv: process.argv.slice(2),
    config,
    seed: config.seed,
    backend,
    versions: {
      sdt: SDT_VERSION,
      sdtCommit: SDT_COMMIT,
      node: process.versions.node,
      '@tensorflow/tfjs-core': packageVersion('@tensorflow/tfjs-core'),
      '@tensorflow/tfjs-backend-wasm': packageVersion('@tensorflow/tfjs-backend-wasm'),
      '@tensorflow/tfjs-node': packageVersion('@tensorflow/tfjs-node'),
      'onnxruntime-node': packageVersion('onnxruntime-node'),
    },
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, platform: `${platform()} ${release()}` },
    data,
    createdAt: new Date().toISOString(),
  });
}

/** A run folder's manifest, checked against its checksum. */
export function readManifest(folder: string): Manifest {
  const path = join(folder, 'manifest.json');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new SdtError(`${path} cannot be read as JSON (missing, truncated or corrupt).`);
  }
  if (manifest?.format !== 'sdt-run/1') throw new SdtError(`${path} is not an sdt run manifest.`);
  verifyChecksum(manifest as unknown as Record<string, unknown>, path);
  return manifest;
}
