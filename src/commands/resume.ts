/**
 * `--resume DIR`: continue a run from the checkpoint in DIR with the configuration it was
 * started with. Options given again on the command line must agree with it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { SdtError } from '../errors.js';
import { canonicalJson } from '../runs/checksum.js';

export function resumedOptions(command: Command, parsed: Record<string, unknown>, folder: string): Record<string, unknown> {
  const path = join(folder, 'checkpoint.json');
  if (!existsSync(path)) throw new SdtError(`${folder} holds no checkpoint to resume (no checkpoint.json).`);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(path, 'utf8')).config;
  } catch {
    throw new SdtError(`${path} is not valid JSON (truncated or corrupt).`);
  }
  for (const [name, saved] of Object.entries(config)) {
    if (command.getOptionValueSource(name) === 'cli' && canonicalJson(parsed[name]) !== canonicalJson(saved)) {
      throw new SdtError(`the run in ${folder} was started with ${name} = ${JSON.stringify(saved)}, not ${JSON.stringify(parsed[name])}; resume it without changing its configuration.`);
    }
  }
  // A saved null stands for an option that was not given (such as --limit).
  const given = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v === null ? undefined : v]));
  return { ...parsed, ...given, out: folder };
}
