/**
 * Every colour, font and size of the drawings, in one place. Filters use a diverging
 * scale: red pushes an example left (x·w < 0), blue pushes it right, white is zero.
 */
import { color, interpolateRdBu } from 'd3';

export const theme = {
  font: 'DejaVu Sans, Liberation Sans, Arial, sans-serif',
  fontSize: 11,
  smallFontSize: 9,
  titleFontSize: 14,
  background: '#ffffff',
  text: '#1f2328',
  muted: '#6e7781',
  frame: '#b9c0c8',
  edge: '#c3c9d0',
  /** The highlighted max path (tree nodes, edges, panel headers). */
  path: '#e8890c',
  bar: '#aab2bb',
  topBar: '#24292f',
  good: '#1a7f37',
  bad: '#cf222e',
  /** Filter heatmap side in the tree view, and in the per-node panels. */
  filterSize: 84,
  panelImageSize: 64,
  /** Widest edge (the root's children share 100 % of the test set between them). */
  maxEdgeWidth: 16,
  minEdgeWidth: 0.75,
};

export type Theme = typeof theme;

export type Rgb = [number, number, number];

const LUT: Rgb[] = Array.from({ length: 256 }, (_, i) => {
  const c = color(interpolateRdBu(i / 255))!.rgb();
  return [Math.round(c.r), Math.round(c.g), Math.round(c.b)];
});

/** The diverging colour of t ∈ [−1, 1] (clamped): −1 red, 0 white, +1 blue. */
export function diverging(t: number): Rgb {
  const i = Math.round(((Math.max(-1, Math.min(1, t)) + 1) / 2) * 255);
  return LUT[Number.isFinite(i) ? i : 128];
}

/** The 256-entry table behind `diverging`, for the interactive page's script. */
export const divergingTable = (): Rgb[] => LUT.map((c) => [...c] as Rgb);

export const hex = ([r, g, b]: Rgb) => `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** Grey level of an input value in [0, 1]: 0 white (paper), 1 black (ink). */
export function ink(v: number): Rgb {
  const g = Math.round(255 * (1 - Math.max(0, Math.min(1, v))));
  return [g, g, g];
}
