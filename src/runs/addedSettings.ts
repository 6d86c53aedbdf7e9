/**
 * Settings added to the configuration after runs were recorded, each with the value that
 * keeps the older behaviour. A configuration that lacks one is the same as one holding
 * that value, so older run folders still resume, count as done and group with new runs.
 */
const ADDED_SETTINGS: Record<string, unknown> = {
  // Hardening (issue 19): no annealing.
  betaEnd: null,
  annealStart: 0,
  hardenLr: 0,
  // Transfer sets (issue 19): the training split itself, at the defaults of the time. A frozen
  // copy of TRANSFER_DEFAULTS on purpose: what older runs meant must not follow later defaults.
  transfer: 'train',
  transferSha256: null,
  copies: 1,
  rotation: 6,
  shift: 1,
  scale: 0.1,
  shear: 0,
  elastic: 0,
  mixupAlpha: 1,
  filterL1: 0,
  filterSmoothness: 0,
};

/** `config` (at any depth) without the added settings that hold their older-behaviour value. */
export function withoutAddedDefaults<T>(config: T): T {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return config;
  const kept = Object.entries(config as Record<string, unknown>)
    .filter(([key, value]) => !(key in ADDED_SETTINGS && value === ADDED_SETTINGS[key]))
    .map(([key, value]) => [key, withoutAddedDefaults(value)]);
  return Object.fromEntries(kept) as T;
}
