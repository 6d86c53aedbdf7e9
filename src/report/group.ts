/**
 * Rows of the report: runs of the same command and configuration, seeds aside, form one
 * group. Paths and checksums of the teacher are left out too, so distilled trees of
 * different teacher seeds still share a row.
 */
import { TRANSFER_KINDS, type TransferKind } from '../distill/transfer.js';
import { withoutAddedDefaults } from '../runs/addedSettings.js';
import { canonicalJson } from '../runs/checksum.js';
import type { ReportedCommand } from './discover.js';
import type { RunRecord } from './runs.js';

export interface RunGroup {
  key: string;
  command: ReportedCommand;
  label: string;
  /** The shared configuration, without the seed and the path-like fields. */
  config: Record<string, unknown>;
  /** Sorted by seed, then folder. */
  runs: RunRecord[];
}

const isPathLike = (key: string, value: unknown) =>
  key === 'seed' || (key === 'teacher' && typeof value === 'string') || /(Folder|Path|Checksum)$/.test(key);

export function sharedConfig(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(withoutAddedDefaults(config)).filter(([key, value]) => !isPathLike(key, value)));
}

const COMMAND_RANK: Record<ReportedCommand, number> = { teacher: 0, baseline: 1, distilled: 1, cart: 2 };
const num = (v: unknown, fallback = 0) => (typeof v === 'number' ? v : fallback);

/** What places a model in a table (a report's rows, a study's summary). */
export interface ModelPlace {
  command: ReportedCommand;
  /** The tree's depth; CART's maximum depth (0: unlimited). */
  depth?: unknown;
  temperature?: unknown;
  alpha?: unknown;
  /** The transfer set (absent: the training set, as before transfer sets existed). */
  transfer?: unknown;
}

/**
 * Teacher first, then soft trees by depth and transfer set (hard labels before soft targets,
 * those by temperature, then α), then CART by depth, unlimited after every limited one.
 */
export function compareModels(a: ModelPlace, b: ModelPlace): number {
  const key = (m: ModelPlace) =>
    m.command === 'teacher' ? [COMMAND_RANK.teacher]
      : m.command === 'cart' ? [COMMAND_RANK.cart, num(m.depth) || Infinity]
        : [COMMAND_RANK[m.command], num(m.depth), TRANSFER_KINDS.indexOf((m.transfer ?? 'train') as TransferKind), m.command === 'baseline' ? 0 : 1, num(m.temperature), num(m.alpha)];
  const [x, y] = [key(a), key(b)];
  const i = x.findIndex((v, j) => v !== y[j]);
  return i < 0 ? 0 : x[i] < y[i] ? -1 : 1;
}

const place = (g: RunGroup): ModelPlace => ({ ...g.config, command: g.command, depth: g.command === 'cart' ? g.config.maxDepth : g.config.depth });

function compareGroups(a: RunGroup, b: RunGroup): number {
  return compareModels(place(a), place(b)) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

function describe(command: ReportedCommand, config: Record<string, unknown>): string {
  switch (command) {
    case 'teacher':
      return config.arch === 'mlp' ? 'MLP teacher' : 'CNN teacher';
    case 'baseline':
      return `soft tree d${config.depth}, hard labels`;
    case 'distilled':
      return `soft tree d${config.depth}, distilled T = ${config.temperature}, α = ${config.alpha}`;
    case 'cart':
      return num(config.maxDepth) > 0 ? `CART (max depth ${config.maxDepth})` : 'CART (unlimited depth)';
  }
}

/** Groups that would share a label get the settings that tell them apart: `(epochs 50)`. */
function disambiguate(groups: RunGroup[]): void {
  const byLabel = new Map<string, RunGroup[]>();
  for (const g of groups) byLabel.set(g.label, [...(byLabel.get(g.label) ?? []), g]);
  for (const same of byLabel.values()) {
    if (same.length < 2) continue;
    const keys = [...new Set(same.flatMap((g) => Object.keys(g.config)))].sort();
    const differing = keys.filter((k) => new Set(same.map((g) => canonicalJson(g.config[k] ?? null))).size > 1);
    for (const g of same) {
      const shown = differing.map((k) => {
        const value = g.config[k];
        return `${k} ${value === undefined || value === null ? '—' : typeof value === 'object' ? canonicalJson(value) : String(value)}`;
      });
      g.label += ` (${shown.join(', ')})`;
    }
  }
}

export function groupRuns(runs: RunRecord[]): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  for (const run of runs) {
    const config = sharedConfig(run.manifest.config);
    const key = `${run.command} ${canonicalJson(config)}`;
    const group = groups.get(key) ?? { key, command: run.command, label: describe(run.command, config), config, runs: [] };
    group.runs.push(run);
    groups.set(key, group);
  }
  const sorted = [...groups.values()].sort(compareGroups);
  for (const g of sorted) g.runs.sort((a, b) => a.manifest.seed - b.manifest.seed || (a.folder < b.folder ? -1 : 1));
  disambiguate(sorted);
  return sorted;
}
