/**
 * Seeing the tree think. Three layers, kept apart: the model (src/models), a render-ready
 * description of it (describe*, explanation, flow), and the drawing (render, page, toPng).
 */
export { describeTree, type DescribeOptions, type NodeView, type TreeView } from './describe.js';
export { describePath, type PathView, type StepView } from './describePath.js';
export { counterfactualSummary, type CounterfactualView } from './describeCounterfactual.js';
export { drawExplanation, type DrawOptions, type Drawing } from './drawExplanation.js';
export { explain, type Explanation, type PathStep } from './explanation.js';
export { activeInputs, maxPathFlow, type Flow } from './flow.js';
export { linePlot, type LinePlotOptions, type LinePoint, type LineSeries } from './linePlot.js';
export { renderPage } from './page.js';
export { renderPathSvg, renderTreeSvg, type DrawingMeta } from './render.js';
export { theme } from './theme.js';
export { svgToPng } from './toPng.js';
