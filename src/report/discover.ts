/**
 * Which run folders a report covers: each argument is a run folder, or a folder holding
 * run folders (a distill job, a study and its cells), searched a few levels down, where a
 * reproduction of a run found too is left out.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SdtError } from '../errors.js';

/** The commands whose run folders hold one model each. */
export const REPORTED_COMMANDS = ['teacher', 'baseline', 'distilled', 'cart'] as const;
export type ReportedCommand = (typeof REPORTED_COMMANDS)[number];

/** Deep enough for study/cell/job/run; a run folder's own subfolders (a cache) are never searched. */
const MAX_DEPTH = 4;

const isFolder = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** The command of the sdt run manifest in `folder`, or null when there is none (or another kind). */
function manifestCommand(folder: string): string | null {
  const path = join(folder, 'manifest.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const manifest = JSON.parse(text);
    return manifest?.format === 'sdt-run/1' && typeof manifest.command === 'string' ? manifest.command : null;
  } catch {
    throw new SdtError(`${path} cannot be read as JSON (truncated or corrupt).`);
  }
}

function collect(folder: string, depth: number, found: string[]): void {
  const command = manifestCommand(folder);
  if (command !== null && (REPORTED_COMMANDS as readonly string[]).includes(command)) {
    found.push(folder);
    return;
  }
  if (depth >= MAX_DEPTH) return;
  let names: string[];
  try {
    names = readdirSync(folder).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const child = join(folder, name);
    if (!name.startsWith('.') && isFolder(child)) collect(child, depth + 1, found);
  }
}

/** What a run folder's manifest says was run: its command and configuration (the seed among them). */
function runIdentity(folder: string): string {
  const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { command: string; config: unknown };
  return JSON.stringify([manifest.command, manifest.config]);
}

/**
 * Leaves out of `found` each reproduction (sdt reproduce) of a run found too, the same
 * command and configuration, seed and all: it would count that run twice (a study's seed,
 * say). Matched by what was run rather than by its recorded path, which results copied
 * elsewhere no longer have. The input itself, named, stays.
 */
function dropReproductionsOfFound(input: string, found: string[]): void {
  const isReproduction = (folder: string) => folder !== input && existsSync(join(folder, 'reproduction.json'));
  if (!found.some(isReproduction)) return;
  const originals = new Set(found.filter((folder) => !isReproduction(folder)).map(runIdentity));
  const kept = found.filter((folder) => !isReproduction(folder) || !originals.has(runIdentity(folder)));
  found.splice(0, found.length, ...kept);
}

/** Every run folder below the inputs, in argument order then path order, each once (symlinks resolved). */
export function findRunFolders(inputs: string[]): string[] {
  const seen = new Set<string>();
  const runs: string[] = [];
  for (const input of inputs) {
    const stat = statSync(input, { throwIfNoEntry: false });
    if (!stat) throw new SdtError(`run folder ${input} does not exist.`);
    if (!stat.isDirectory()) throw new SdtError(`${input} is not a folder; give run folders or folders that hold them.`);
    const found: string[] = [];
    collect(input, 0, found);
    dropReproductionsOfFound(input, found);
    if (found.length === 0) {
      throw new SdtError(`${input} holds no run folders (no manifest.json of a teacher, baseline, distilled or cart run).`);
    }
    for (const folder of found) {
      const real = realpathSync(folder);
      if (!seen.has(real)) {
        seen.add(real);
        runs.push(folder);
      }
    }
  }
  return runs;
}
