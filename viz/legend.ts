/** The title and key above every drawing: what the colours, widths and labels mean. */
import type { TreeView } from './describe.js';
import { type Group, n2 } from './svgDocument.js';
import { diverging, hex, theme } from './theme.js';

export interface LegendText {
  title: string;
  subtitle: string;
  /** Extra lines of key, one per line. */
  notes: string[];
}

const BAR_WIDTH = 170;
const LINE = 13;
/** Where the key's lines start, right of the colour bar. */
export const LEGEND_KEY_X = BAR_WIDTH + 32;

/** Draws title, diverging colour bar and notes; returns the height used. */
export function drawLegend(g: Group, view: Pick<TreeView, 'image'>, text: LegendText): number {
  g.attr('class', 'legend');
  g.append('text').attr('x', 0).attr('y', 16).attr('font-size', theme.titleFontSize).attr('font-weight', 'bold').text(text.title);
  g.append('text').attr('x', 0).attr('y', 32).attr('fill', theme.muted).text(text.subtitle);
  const top = 46;
  const gradient = g.append('defs').append('linearGradient').attr('id', 'sdt-diverging').attr('x1', 0).attr('x2', 1).attr('y1', 0).attr('y2', 0);
  for (let i = 0; i <= 10; i++) gradient.append('stop').attr('offset', n2(i / 10)).attr('stop-color', hex(diverging(i / 5 - 1)));
  g.append('rect').attr('x', 0).attr('y', top + 12).attr('width', BAR_WIDTH).attr('height', 10).attr('fill', 'url(#sdt-diverging)').attr('stroke', theme.frame).attr('stroke-width', 0.5);
  g.append('text').attr('x', 0).attr('y', top + 8).attr('font-size', theme.smallFontSize).text(view.image ? 'weight (each image to its own max |w|)' : 'weight (each node to its own max |w|)');
  const ends: [number, string, string][] = [[0, 'start', '−max'], [BAR_WIDTH / 2, 'middle', '0'], [BAR_WIDTH, 'end', '+max']];
  for (const [x, anchor, t] of ends) g.append('text').attr('x', x).attr('y', top + 33).attr('text-anchor', anchor).attr('font-size', theme.smallFontSize).attr('fill', theme.muted).text(t);
  const key = [
    view.image ? 'red: ink there pushes the example left · blue: ink there pushes it right' : 'red: a large value pushes the example left · blue: pushes it right',
    'p(right) = σ(β(x·w + b)); L = left branch (1 − p), R = right branch (p)',
    ...text.notes,
  ];
  key.forEach((line, i) => g.append('text').attr('x', LEGEND_KEY_X).attr('y', top + 8 + i * LINE).attr('font-size', theme.smallFontSize + 0.5).text(line));
  return Math.max(top + 40, top + key.length * LINE + 4);
}
