/** SVG text to PNG bytes with resvg (system fonts, white background). */
import { Resvg } from '@resvg/resvg-js';
import { SdtError } from '../src/errors.js';

/** PNGs are drawn at 1.5× for sharp text, less when that would exceed this width. */
const MAX_WIDTH = 16_000;

export function svgToPng(svg: string, options: { scale?: number } = {}): Buffer {
  try {
    const font = { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' };
    const width = new Resvg(svg, { font: { loadSystemFonts: false } }).width;
    const zoom = Math.min(options.scale ?? 1.5, MAX_WIDTH / Math.max(width, 1));
    return new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: zoom }, font }).render().asPng();
  } catch (error) {
    throw new SdtError(`cannot render the SVG as PNG: ${(error as Error).message.split('\n')[0]}.`);
  }
}
