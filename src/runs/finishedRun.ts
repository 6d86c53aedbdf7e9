/**
 * A finished run (a folder with a manifest) is never replaced silently: the same command,
 * configuration and data files mean it is already done; anything else is refused with the
 * differences, unless `--force`, which moves the old run aside to `NAME.previous-<time>`
 * (nothing is deleted) before the new one starts.
 */
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { DataFile } from '../data/dataset.js';
import { describeFsError } from '../fsErrors.js';
import { SdtError } from '../errors.js';
import { withoutAddedDefaults } from './addedSettings.js';
import { canonicalJson } from './checksum.js';
import { readManifest } from './manifest.js';

/** Flattens nested settings to dotted keys, so a difference names the setting itself. */
function flatten(value: unknown, prefix = ''): Map<string, string> {
  const flat = new Map<string, string>();
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) for (const [k, v] of flatten(inner, prefix ? `${prefix}.${key}` : key)) flat.set(k, v);
  } else flat.set(prefix, canonicalJson(value ?? null));
  return flat;
}

/** "seed 1 (now 7), depth 8 (now 4)": the settings in which two configurations differ. */
export function configDifferences(before: Record<string, unknown>, now: Record<string, unknown>): string[] {
  const [a, b] = [flatten(withoutAddedDefaults(before)), flatten(withoutAddedDefaults(now))];
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  return keys.filter((k) => a.get(k) !== b.get(k)).map((k) => `${k} ${a.get(k) ?? 'unset'} (now ${b.get(k) ?? 'unset'})`);
}

export function dataDifferences(before: DataFile[], now: DataFile[]): string[] {
  return now
    .filter((file) => before.some((f) => f.role === file.role && f.sha256 !== file.sha256))
    .map((file) => `${file.role} data ${before.find((f) => f.role === file.role)!.sha256.slice(0, 12)}… (now ${file.path}, ${file.sha256.slice(0, 12)}…)`);
}

/** `NAME.previous-<UTC time>`: where `--force` moves a finished run. */
export function previousName(folder: string, now = new Date()): string {
  return `${folder}.previous-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

/** Moves `folder` aside (see previousName); returns where to. */
export function moveAside(folder: string): string {
  const to = previousName(folder);
  try {
    renameSync(folder, to);
  } catch (error) {
    throw new SdtError(`cannot move the finished run in ${folder} aside to ${to}: ${describeFsError(error)}.`);
  }
  return to;
}

/**
 * What to do in `folder` before a `command` run of `config` on `data`: 'done' when it already
 * holds that finished run, 'fresh' when it holds none (or held one that `force` moved aside).
 * A finished run of anything else is refused, naming every difference and the two ways out.
 */
export function priorRun(
  folder: string,
  command: string,
  config: Record<string, unknown>,
  data: DataFile[],
  options: { force?: boolean; say: (line: string) => void },
): 'done' | 'fresh' {
  if (!existsSync(join(folder, 'manifest.json'))) return 'fresh';
  const manifest = readManifest(folder);
  const differences = manifest.command === command ? [...configDifferences(manifest.config, config), ...dataDifferences(manifest.data ?? [], data)] : [];
  if (manifest.command === command && differences.length === 0) return 'done';
  if (options.force) {
    options.say(`note: moved the finished ${manifest.command} run in ${folder} aside to ${moveAside(folder)} (--force)`);
    return 'fresh';
  }
  const what = manifest.command === command ? `a finished ${command} run with ${differences.join(', ')}` : `a finished ${manifest.command} run, not a ${command} run`;
  throw new SdtError(`${folder} holds ${what}; give another --out, or --force to move it aside to ${folder}.previous-<time> and run anew.`);
}

/** What a command prints for a run that is already done. */
export function alreadyDone(folder: string, command: string, json: boolean): string {
  const when = readManifest(folder).createdAt;
  return json ? JSON.stringify({ run: folder, alreadyDone: true, createdAt: when }) + '\n' : `${folder} already holds this finished ${command} run (made ${when}); nothing to do\n`;
}
