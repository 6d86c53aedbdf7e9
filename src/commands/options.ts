/**
 * Option parsing at the CLI boundary: every number is checked against its allowed range
 * before any work starts, and the message names the option and the range.
 */
import { type Command, Option } from 'commander';
import { AUGMENT_LIMITS, type AugmentStrength, MILD } from '../data/augment.js';
import { SdtError } from '../errors.js';

function parseNumber(flag: string, value: string, min: number, max: number, integer: boolean): number {
  const n = Number(value);
  const kind = integer ? 'an integer' : 'a number';
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new SdtError(`${flag} must be ${kind} from ${min} to ${max}, not "${value}".`);
  }
  return n;
}

export function integerOption(flags: string, description: string, min: number, max: number, fallback?: number): Option {
  const option = new Option(flags, `${description} (${min}–${max})`);
  option.argParser((value: string) => parseNumber(option.long ?? flags, value, min, max, true));
  return fallback === undefined ? option : option.default(fallback);
}

export function numberOption(flags: string, description: string, min: number, max: number, fallback?: number): Option {
  const option = new Option(flags, `${description} (${min}–${max})`);
  option.argParser((value: string) => parseNumber(option.long ?? flags, value, min, max, false));
  return fallback === undefined ? option : option.default(fallback);
}

/**
 * A comma-separated list of numbers, each checked; a set (duplicates dropped, sorted) unless
 * `sequence`, which keeps the order and takes whole numbers only (layer sizes).
 */
export function listOption(flags: string, description: string, min: number, max: number, fallback: number[], sequence = false): Option {
  const option = new Option(flags, `${description} (comma-separated, each ${min}–${max})`).default(fallback, fallback.join(','));
  const kind = sequence ? 'whole numbers' : 'numbers';
  return option.argParser((value: string) => {
    const list = value.split(',').map((v) => Number(v.trim()));
    if (!list.length || list.some((v) => !Number.isFinite(v) || v < min || v > max || (sequence && !Number.isInteger(v)))) {
      throw new SdtError(`${option.long} must be a comma-separated list of ${kind} from ${min} to ${max}, not "${value}".`);
    }
    return sequence ? list : [...new Set(list)].sort((a, b) => a - b);
  });
}

/**
 * `--augment [strength]`: distort the training images afresh every epoch, by `mild` (the
 * flag alone) or by `rotation=…,shift=…,scale=…,shear=…,elastic=…` (a strength not named is 0).
 */
export function augmentOption(flags: string, description: string): Option {
  const names = Object.keys(AUGMENT_LIMITS) as (keyof AugmentStrength)[];
  const mild = names.map((name) => `${name}=${MILD[name]}`).filter((pair) => !pair.endsWith('=0')).join(',');
  const option = new Option(flags, `${description}: mild (the flag alone: ${mild}) or name=value pairs of ${names.join(', ')} (a strength not named is 0)`).preset('mild');
  return option.argParser((value: string): AugmentStrength => {
    if (value.trim() === 'mild') return { ...MILD };
    const strength: AugmentStrength = { rotation: 0, shift: 0, scale: 0, shear: 0, elastic: 0 };
    for (const pair of value.split(',')) {
      const [name, given, ...rest] = pair.split('=').map((v) => v.trim());
      const limit = AUGMENT_LIMITS[name as keyof AugmentStrength];
      if (!limit || given === undefined || rest.length) {
        throw new SdtError(`${option.long} takes mild or name=value pairs of ${names.join(', ')}, not "${value}".`);
      }
      strength[name as keyof AugmentStrength] = parseNumber(`${option.long}'s ${name}`, given, 0, limit.max, false);
    }
    return strength;
  });
}

export function choiceOption(flags: string, description: string, choices: string[], fallback?: string): Option {
  const option = new Option(flags, description).choices(choices);
  return fallback === undefined ? option : option.default(fallback);
}

/** The options most commands share. */
export const common = {
  dataset: () => new Option('--dataset <name>', 'mnist, fashion-mnist or csv:PATH[#label=COLUMN]').default('mnist'),
  dataDir: () => new Option('--data-dir <dir>', 'folder holding the dataset files (instead of the default location)'),
  backend: () => choiceOption('--backend <name>', 'TensorFlow.js backend (default: node if installed, else wasm; or SDT_BACKEND)', ['node', 'wasm', 'cpu']),
  seed: () => integerOption('--seed <n>', 'random seed', 0, 2 ** 31 - 1, 1),
  limit: () => integerOption('--limit <n>', 'use only the first n training and test examples', 10, 10_000_000),
  out: (what: string) => new Option('--out <dir>', `folder to write ${what} to`),
  json: () => new Option('--json', 'print the result as JSON on standard output'),
  resume: () => new Option('--resume <dir>', 'continue the interrupted run in this folder from its checkpoint'),
  quiet: () => new Option('--quiet', 'no progress output'),
  force: () => new Option('--force', 'if --out holds a finished run of another configuration, move it aside to OUT.previous-<time> and run anew'),
};

/** The options of every command that loads data and trains: which data, which backend, which seed. */
export function trainingRunOptions(command: Command): Command {
  return command
    .addOption(common.dataset())
    .addOption(common.dataDir())
    .addOption(common.limit())
    .addOption(common.seed())
    .addOption(common.backend());
}
