/**
 * The render-ready description of a counterfactual: the input, the change (diverging
 * colours), the changed input and its new max path — or why none was found.
 */
import { imageShape, type ImageShape } from '../src/data/inputFile.js';
import type { CounterfactualSearch } from '../src/models/counterfactual.js';
import type { TreeFile } from '../src/models/treeFile.js';
import type { TreePredictor } from '../src/models/treePredictor.js';
import { describePath, type PathView } from './describePath.js';
import { explain, type Explanation } from './explanation.js';
import { divergingImage, inputImage } from './raster.js';

export interface FeatureChange {
  name: string;
  /** Raw values (the user's units) before and after. */
  from: number;
  to: number;
}

export interface CounterfactualView {
  /** What was asked: a class name, or "auto". */
  request: string;
  /** Whether the search preferred few changed inputs (--sparse: L2 plus an L1 term). */
  sparse: boolean;
  classNames: string[];
  fromClass: number;
  search: Omit<CounterfactualSearch, 'best'>;
  /** Absent when the search found nothing within its budget. */
  found?: {
    toClass: number;
    leaf: number;
    l2: number;
    l1: number;
    l0: number;
    inputs: number;
    /** The changed input's own explanation (its max path, node by node). */
    explanation: Explanation;
    path: PathView;
    image?: ImageShape;
    inputImage?: string;
    changeImage?: string;
    changedImage?: string;
    /** Tabular data: the features changed most. */
    changes?: FeatureChange[];
  };
}

export function describeCounterfactual(
  file: TreeFile,
  predictor: TreePredictor,
  original: Explanation,
  search: CounterfactualSearch,
  options: { request: string; sparse: boolean; topFeatures: number; inputMask?: Uint8Array },
): CounterfactualView {
  const { best, ...counts } = search;
  const view: CounterfactualView = { request: options.request, sparse: options.sparse, classNames: file.classNames, fromClass: original.prediction.maxPathClass, search: counts };
  if (!best) return view;
  const explanation = explain(file, predictor, best.x, `${original.source} changed`);
  const image = imageShape(file.inputShape);
  const names = file.featureNames ?? file.inner.weights[0].map((_, j) => `feature ${j + 1}`);
  view.found = {
    toClass: best.maxPathClass,
    leaf: best.leaf,
    l2: best.l2,
    l1: best.l1,
    l0: best.l0,
    inputs: predictor.features,
    explanation,
    path: describePath(file, explanation, { topFeatures: options.topFeatures, inputMask: options.inputMask }),
    ...(image
      ? {
          image,
          inputImage: inputImage(original.x, image),
          changeImage: divergingImage(best.change, image),
          changedImage: inputImage(best.x, image),
        }
      : {
          changes: Array.from(best.change, (v, j) => ({ v, j }))
            .filter(({ v }) => v !== 0)
            .sort((a, b) => Math.abs(b.v) - Math.abs(a.v) || a.j - b.j)
            .slice(0, options.topFeatures)
            .map(({ j }) => ({ name: names[j], from: original.raw[j], to: explanation.raw[j] })),
        }),
  };
  return view;
}

/** The one-line summary the CLI prints and the drawing's heading repeats. */
export function counterfactualSummary(view: CounterfactualView): string {
  const names = view.classNames;
  const { solves, leavesTried, candidateLeaves, complete } = view.search;
  const effort = `${solves} QPs over ${leavesTried} of ${candidateLeaves} candidate leaves${complete ? '' : ', stopped by the budget'}`;
  if (!view.found) {
    const what = view.request === 'auto' ? 'another class' : `class ${view.request}`;
    return `counterfactual: none found — no change within the input range that the search tried makes the max path end in a leaf of ${what} (${effort})`;
  }
  const f = view.found;
  return `counterfactual: ${names[view.fromClass]} → ${names[f.toClass]} with L2 ${f.l2.toFixed(3)}, L0 ${f.l0} of ${f.inputs} inputs changed; new max path ${f.explanation.path.join(' → ')} (leaf ${f.leaf}), verified by the predictor (${effort})`;
}
