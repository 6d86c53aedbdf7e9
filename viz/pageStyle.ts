/** The interactive page's stylesheet (colours from theme.ts). */
import { theme } from './theme.js';

export const PAGE_STYLE = `
body { font-family: ${theme.font}; color: ${theme.text}; margin: 16px; background: ${theme.background}; }
h1 { font-size: 18px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 12px 0 4px; }
.muted { color: ${theme.muted}; font-size: 12px; }
button { font: inherit; }
#top { display: flex; gap: 24px; align-items: flex-start; flex-wrap: wrap; }
#pad { flex: none; width: 284px; }
#pad-canvas { display: block; width: 280px; height: 280px; border: 2px solid ${theme.frame}; border-radius: 4px; cursor: crosshair; touch-action: none; background: #fff; }
#pad .tools { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 6px 0; font-size: 12px; }
#pad .seen { display: flex; gap: 8px; align-items: center; }
#pad-input { width: 56px; height: 56px; image-rendering: pixelated; border: 1px solid ${theme.frame}; }
#explanation { flex: 1; min-width: 320px; }
#examples { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0 12px; }
#examples button { display: flex; flex-direction: column; align-items: center; gap: 2px; padding: 3px; border: 2px solid ${theme.frame}; border-radius: 4px; background: #fff; cursor: pointer; font-size: 11px; }
#examples button[hidden] { display: none; }
#examples button[aria-pressed="true"] { border-color: ${theme.path}; }
#examples button.wrong .verdict { color: ${theme.bad}; font-weight: bold; }
#examples img { width: 42px; height: 42px; image-rendering: pixelated; }
#tree { overflow-x: auto; border-top: 1px solid ${theme.frame}; }
#breadcrumbs { margin: 8px 0; font-size: 13px; }
#breadcrumbs button { border: none; background: none; color: ${theme.path}; text-decoration: underline; cursor: pointer; padding: 0; }
#tree image { image-rendering: pixelated; }
#tree path.edge { stroke: ${theme.edge}; }
#tree .edge-labels { font-size: ${theme.smallFontSize}px; fill: ${theme.muted}; }
#tree .opens { cursor: pointer; }
#tree .opens:hover > rect.frame, #tree .opens:focus > rect.frame { stroke-dasharray: 5 2; stroke-width: 2px; }
#tree text.more { font-size: ${theme.smallFontSize}px; fill: ${theme.muted}; }
#tree [data-on-path="true"] > rect.frame { stroke: ${theme.path}; stroke-width: 3px; }
#tree path.edge[data-on-path="true"] { stroke: ${theme.path}; }
#tree [data-on-path="true"] > text.branch-p { fill: ${theme.path}; font-weight: bold; }
.strip { display: flex; gap: 8px; flex-wrap: wrap; align-items: flex-start; }
.step { border: 2px solid ${theme.path}; border-radius: 4px; padding: 4px; font-size: 11px; text-align: center; min-width: 64px; }
.step .head { color: ${theme.path}; font-weight: bold; }
.step canvas { display: block; width: 56px; height: 56px; margin: 3px auto; image-rendering: pixelated; border: 1px solid ${theme.frame}; }
.step .p { font-weight: bold; } .step .dir { color: ${theme.path}; font-weight: bold; }
.step table { border-collapse: collapse; font-size: 11px; text-align: left; }
.step tr.pos td:last-child { color: #2166ac; } .step tr.neg td:last-child { color: #b2182b; }
.leaf { min-width: 140px; text-align: left; }
.bar { display: flex; align-items: center; gap: 4px; height: 12px; } .bar .name { width: 92px; text-align: right; color: ${theme.muted}; overflow: hidden; white-space: nowrap; }
.bar .fill { display: inline-block; height: 9px; background: ${theme.bar}; } .bar.top .fill { background: ${theme.topBar}; } .bar.top .name { color: ${theme.text}; font-weight: bold; }
.answer { font-weight: bold; font-size: 14px; margin-top: 4px; }
`;
