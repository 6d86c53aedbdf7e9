/**
 * Rows of the report: runs of the same command and configuration, seeds aside, form one
 * group. Paths and checksums of the teacher are left out too, so distilled trees of
 * different teacher seeds still share a row.
 */
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
  return Object.fromEntries(Object.entries(config).filter(([key, value]) => !isPathLike(key, value)));
}

const COMMAND_RANK: Record<ReportedCommand, number> = { teacher: 0, baseline: 1, distilled: 1, cart: 2 };
const num = (v: unknown, fallback = 0) => (typeof v === 'number' ? v : fallback);

/** Teacher first, then trees by (depth, baseline before distilled, temperature), then CART. */
function compareGroups(a: RunGroup, b: RunGroup): number {
  const rank = COMMAND_RANK[a.command] - COMMAND_RANK[b.command];
  if (rank !== 0) return rank;
  if (a.command !== 'teacher' && a.command !== 'cart') {
    const byDepth = num(a.config.depth) - num(b.config.depth);
    if (byDepth !== 0) return byDepth;
    if (a.command !== b.command) return a.command === 'baseline' ? -1 : 1;
    const byTemperature = num(a.config.temperature) - num(b.config.temperature);
    if (byTemperature !== 0) return byTemperature;
    const byAlpha = num(a.config.alpha) - num(b.config.alpha);
    if (byAlpha !== 0) return byAlpha;
  }
  if (a.command === 'cart') {
    // Unlimited depth (0) after every limited one.
    const depth = (g: RunGroup) => num(g.config.maxDepth) || Infinity;
    if (depth(a) !== depth(b)) return depth(a) < depth(b) ? -1 : 1;
  }
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function describe(command: ReportedCommand, config: Record<string, unknown>): string {
  switch (command) {
    case 'teacher':
      return 'CNN teacher';
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
