/**
 * A detached SVG document to draw into with d3 (jsdom supplies the DOM), serialised as
 * standalone XML. Nothing in it depends on time or chance, so the bytes are reproducible.
 */
import { select, type Selection } from 'd3';
import { JSDOM } from 'jsdom';
import { theme } from './theme.js';

export type Group = Selection<SVGGElement, unknown, null, undefined>;

export interface SvgCanvas {
  svg: Selection<SVGSVGElement, unknown, null, undefined>;
  /** Sets the size (and a white background) and returns the XML text. */
  finish(width: number, height: number): string;
}

export function createSvg(): SvgCanvas {
  const { window } = new JSDOM('<!DOCTYPE html><html><body></body></html>');
  const svg = select(window.document.body)
    .append('svg')
    .attr('xmlns', 'http://www.w3.org/2000/svg')
    .attr('font-family', theme.font)
    .attr('font-size', theme.fontSize)
    .attr('fill', theme.text) as unknown as SvgCanvas['svg'];
  // Heatmaps are 28×28 images drawn large: their pixels must stay square. resvg reads the
  // image-rendering="optimizeSpeed" attribute; browsers want CSS "pixelated", which resvg
  // would misread, so it sits behind @supports, a rule resvg skips.
  svg.append('style').text('@supports (image-rendering: pixelated) { image { image-rendering: pixelated } }');
  return {
    svg,
    finish(width, height) {
      const w = Math.ceil(width);
      const h = Math.ceil(height);
      svg.attr('width', w).attr('height', h).attr('viewBox', `0 0 ${w} ${h}`);
      svg.insert('rect', ':first-child').attr('width', w).attr('height', h).attr('fill', theme.background);
      return new window.XMLSerializer().serializeToString(svg.node()!) + '\n';
    },
  };
}

/** Numbers in attributes: at most two decimals, no trailing zeros (smaller, stable files). */
export const n2 = (v: number) => String(Math.round(v * 100) / 100);

export const percent = (share: number) => (share >= 0.995 ? '100%' : share >= 0.1 ? `${Math.round(share * 100)}%` : share > 0 ? `${(share * 100).toFixed(1)}%` : '0%');
