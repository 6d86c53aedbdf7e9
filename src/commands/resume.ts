/**
 * `--resume DIR`: continue a run from the checkpoint in DIR with the configuration it was
 * started with. Options given again on the command line must agree with it.
 */
import type { Command } from 'commander';
import { readCheckpointHeader } from '../runs/checkpoint.js';
import { SdtError } from '../errors.js';
import { canonicalJson } from '../runs/checksum.js';

export function resumedOptions(command: Command, parsed: Record<string, unknown>, folder: string): Record<string, unknown> {
  const config = (readCheckpointHeader(folder).config ?? {}) as Record<string, unknown>;
  for (const [name, saved] of Object.entries(config)) {
    if (command.getOptionValueSource(name) === 'cli' && canonicalJson(parsed[name]) !== canonicalJson(saved)) {
      throw new SdtError(`the run in ${folder} was started with ${name} = ${JSON.stringify(saved)}, not ${JSON.stringify(parsed[name])}; resume it without changing its configuration.`);
    }
  }
  // A saved null stands for an option that was not given (such as --limit).
  const given = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v === null ? undefined : v]));
  return { ...parsed, ...given, out: folder };
}
