/**
 * The render-ready description of one explanation: for every inner node on the max path
 * the input, the filter and their elementwise product as images (or, for tabular data,
 * the features that contributed most), the logit and p(right); then the chosen leaf.
 */
import { imageShape, type ImageShape } from '../src/data/inputFile.js';
import type { TreeFile } from '../src/models/treeFile.js';
import { treeStructure } from '../src/models/treeStructure.js';
import type { NodeView } from './describe.js';
import type { Explanation } from './explanation.js';
import { divergingImage, inputImage, maxAbs } from './raster.js';

export interface Contribution {
  name: string;
  raw: number;
  weight: number;
  /** x_j · w_j, the feature's share of the logit (before β). */
  product: number;
}

export interface StepView {
  node: number;
  depth: number;
  logit: number;
  p: number;
  right: boolean;
  filterImage?: string;
  productImage?: string;
  productScale: number;
  contributions?: Contribution[];
}

export interface PathView {
  source: string;
  label?: number;
  classNames: string[];
  image?: ImageShape;
  inputImage?: string;
  /** How a user's picture was made into the input (inverted, cropped, fitted, centred). */
  inputNote?: string;
  steps: StepView[];
  /** The chosen leaf, as the tree view describes leaves (on the path). */
  leaf: NodeView;
  pathProbability: number;
  answer: number;
  mixtureClass: number;
  mixtureProbability: number;
}

export function describePath(file: TreeFile, explanation: Explanation, options: { topFeatures?: number; inputMask?: Uint8Array; inputNote?: string } = {}): PathView {
  const image = imageShape(file.inputShape);
  const names = file.featureNames ?? file.inner.weights[0].map((_, j) => `feature ${j + 1}`);
  const { prediction } = explanation;
  const steps: StepView[] = explanation.steps.map((step) => {
    const view: StepView = { node: step.node, depth: treeStructure(file).depthOf[step.node], logit: step.logit, p: step.p, right: step.right, productScale: maxAbs(step.product) };
    const w = file.inner.weights[step.node];
    if (image) {
      view.filterImage = divergingImage(w, image, { mask: options.inputMask });
      // Where the input is blank the product is exactly zero: drawn as paper, like the input.
      view.productImage = divergingImage(step.product, image, { mask: Uint8Array.from(explanation.x, (v) => (v !== 0 ? 1 : 0)) });
    } else {
      view.contributions = Array.from(step.product, (product, j) => ({ j, product }))
        .sort((a, b) => Math.abs(b.product) - Math.abs(a.product) || a.j - b.j)
        .slice(0, options.topFeatures ?? 5)
        .map(({ j, product }) => ({ name: names[j], raw: explanation.raw[j], weight: w[j], product }));
    }
    return view;
  });
  const leafNumber = prediction.leaf;
  const distribution = Array.from(prediction.leafDistribution);
  return {
    source: explanation.source,
    ...(explanation.label === undefined ? {} : { label: explanation.label }),
    classNames: file.classNames,
    ...(image ? { image, inputImage: inputImage(explanation.x, image) } : {}),
    ...(options.inputNote ? { inputNote: `input x: ${options.inputNote}` } : {}),
    steps,
    leaf: {
      id: explanation.leafNode,
      depth: treeStructure(file).depthOf[explanation.leafNode],
      kind: 'leaf',
      right: explanation.leafNode % 2 === 0,
      hiddenBelow: 0,
      onPath: true,
      leaf: leafNumber,
      distribution,
      topClass: prediction.maxPathClass,
      children: [],
    },
    pathProbability: explanation.pathProbability,
    answer: prediction.maxPathClass,
    mixtureClass: prediction.mixtureClass,
    mixtureProbability: prediction.mixture[prediction.mixtureClass],
  };
}
