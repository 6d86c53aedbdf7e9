/**
 * Images of vectors in the input's shape, as PNG data URIs: filters and products on the
 * diverging scale, inputs as ink on paper. Channels (if any) are summed.
 */
import type { ImageShape } from '../src/data/inputFile.js';
import { encodePng, pngDataUri } from '../src/data/png.js';
import { diverging, ink, type Rgb } from './theme.js';

/** Sums channels: one value per pixel. */
function pixels(values: ArrayLike<number>, shape: ImageShape): Float64Array {
  const out = new Float64Array(shape.height * shape.width);
  for (let p = 0; p < out.length; p++) {
    for (let c = 0; c < shape.channels; c++) out[p] += values[p * shape.channels + c];
  }
  return out;
}

/** One flag per pixel: kept when any of its channels is kept by the per-input mask. */
function pixelMask(mask: ArrayLike<number>, shape: ImageShape): Uint8Array {
  const out = new Uint8Array(shape.height * shape.width);
  for (let p = 0; p < out.length; p++) {
    for (let c = 0; c < shape.channels; c++) if (mask[p * shape.channels + c]) out[p] = 1;
  }
  return out;
}

const PAPER: Rgb = [255, 255, 255];

function toPng(values: Float64Array, shape: ImageShape, paint: (v: number) => Rgb, keep?: Uint8Array): string {
  const rgb = new Uint8Array(values.length * 3);
  values.forEach((v, p) => rgb.set(keep && !keep[p] ? PAPER : paint(v), p * 3));
  return pngDataUri(encodePng(shape.width, shape.height, rgb));
}

/** Largest |value| (0 for an all-zero vector), over the entries `keep` flags (all without it). */
export function maxAbs(values: ArrayLike<number>, keep?: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (!keep || keep[i]) m = Math.max(m, Math.abs(values[i]));
  return m;
}

/**
 * A signed image: ±scale map to the ends of the diverging scale (default: the image's own
 * max |value| over kept pixels). Inputs the mask drops (0) are drawn as blank paper.
 */
export function divergingImage(values: ArrayLike<number>, shape: ImageShape, options: { scale?: number; mask?: ArrayLike<number> } = {}): string {
  const p = pixels(values, shape);
  const keep = options.mask ? pixelMask(options.mask, shape) : undefined;
  const s = options.scale ?? maxAbs(p, keep);
  return toPng(p, shape, (v) => diverging(s > 0 ? v / s : 0), keep);
}

/** An input image: 0 paper white, 1 (or more) ink black. */
export function inputImage(values: ArrayLike<number>, shape: ImageShape): string {
  return toPng(pixels(values, shape), shape, ink);
}
