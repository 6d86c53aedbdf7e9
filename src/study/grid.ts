/**
 * The cells of a study. Two sweeps cross at a reference point (depth D₀, temperature T₀):
 * every depth on hard labels and on soft targets at T₀, and every temperature at D₀; each
 * tree at every seed, CART once per depth (it has no randomness). A cell is one run folder.
 */
import type { TransferKind } from '../distill/transfer.js';

export interface StudyGrid {
  seeds: number[];
  depths: number[];
  temperatures: number[];
  /** Where the two sweeps meet. */
  depth: number;
  temperature: number;
  /** Transfer sets beside the training split, each trained on labels and distilled at the meeting point. */
  transfers: TransferKind[];
  cart: boolean;
}

export type CellKind = 'baseline' | 'distilled' | 'cart';

export interface StudyCell {
  /** The cell's folder name, e.g. `d8-hard-s1`, `d8-T4-s2`, `d8-cart`. */
  name: string;
  kind: CellKind;
  depth: number;
  temperature: number | null;
  seed: number;
  transfer: TransferKind;
}

export function studyCells(grid: StudyGrid): StudyCell[] {
  const cells = new Map<string, StudyCell>();
  const add = (kind: CellKind, depth: number, temperature: number | null, seed: number, transfer: TransferKind = 'train') => {
    const target = kind === 'baseline' ? 'hard' : kind === 'cart' ? 'cart' : `T${temperature}`;
    const name = kind === 'cart' ? `d${depth}-cart` : `d${depth}-${target}${transfer === 'train' ? '' : `-${transfer}`}-s${seed}`;
    if (!cells.has(name)) cells.set(name, { name, kind, depth, temperature, seed, transfer });
  };
  // Seeds outermost: an interrupted study already has whole seeds of every setting.
  for (const seed of grid.seeds) {
    for (const depth of grid.depths) {
      add('baseline', depth, null, seed);
      add('distilled', depth, grid.temperature, seed);
    }
    for (const temperature of grid.temperatures) add('distilled', grid.depth, temperature, seed);
    for (const transfer of grid.transfers.filter((t) => t !== 'train')) {
      add('baseline', grid.depth, null, seed, transfer);
      add('distilled', grid.depth, grid.temperature, seed, transfer);
    }
  }
  if (grid.cart) for (const depth of grid.depths) add('cart', depth, null, grid.seeds[0]);
  return [...cells.values()];
}
