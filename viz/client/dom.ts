/**
 * Small DOM helpers of the interactive page, shipped as this function's source text: it
 * must stay self-contained (no imports, no outside names). `paint` draws a vector in the
 * input's shape on a canvas, as viz/raster.ts draws it in the SVG.
 */
import type { PageData } from './pageData.js';

export function createDom(data: Pick<PageData, 'image' | 'mask' | 'lut'>) {
  const el = <T extends keyof HTMLElementTagNameMap>(tag: T, attrs: Record<string, string> = {}, text?: string) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const fmt = (v: number) => (Math.abs(v) >= 100 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : v.toFixed(2));
  const keep = (p: number) => {
    if (data.mask.length === 0) return true;
    for (let c = 0; c < data.image!.channels; c++) if (data.mask[p * data.image!.channels + c]) return true;
    return false;
  };

  /** ink: 0 white, 1 black; filter: diverging, masked inputs blank; product: diverging, blank where x is 0. */
  const paint = (values: ArrayLike<number>, mode: 'ink' | 'filter' | 'product', cls: string, x?: ArrayLike<number>) => {
    const image = data.image!;
    const canvas = el('canvas', { width: String(image.width), height: String(image.height), class: cls });
    const ctx = canvas.getContext('2d')!;
    const pixels = ctx.createImageData(image.width, image.height);
    const summed = new Float64Array(image.width * image.height);
    for (let p = 0; p < summed.length; p++) for (let c = 0; c < image.channels; c++) summed[p] += values[p * image.channels + c];
    let scale = 0;
    summed.forEach((v, p) => {
      if (mode !== 'filter' || keep(p)) scale = Math.max(scale, Math.abs(v));
    });
    const blank = (p: number) => {
      if (mode === 'filter') return !keep(p);
      if (mode !== 'product' || !x) return false;
      for (let c = 0; c < image.channels; c++) if (x[p * image.channels + c] !== 0) return false;
      return true;
    };
    summed.forEach((v, p) => {
      let rgb: number[];
      if (blank(p)) {
        rgb = [255, 255, 255];
      } else if (mode === 'ink') {
        const g = Math.round(255 * (1 - Math.max(0, Math.min(1, v))));
        rgb = [g, g, g];
      } else {
        const t = scale > 0 ? v / scale : 0;
        const i = Math.round(((Math.max(-1, Math.min(1, t)) + 1) / 2) * 255);
        rgb = data.lut.slice(3 * i, 3 * i + 3);
      }
      pixels.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * p);
    });
    ctx.putImageData(pixels, 0, 0);
    return canvas;
  };

  return { el, fmt, paint };
}

export type PageDom = ReturnType<typeof createDom>;
