/** `sdt explain --counterfactual`: which classes to reach, the input range, the search, its JSON. */
import type { Dataset } from '../data/dataset.js';
import { imageShape } from '../data/inputFile.js';
import { SdtError } from '../errors.js';
import { type CounterfactualSearch, findCounterfactual } from '../models/counterfactual.js';
import type { TreeFile } from '../models/treeFile.js';
import type { TreePredictor } from '../models/treePredictor.js';
import type { CounterfactualView, Explanation } from '../../viz/index.js';

export interface CounterfactualOptions {
  counterfactual?: string;
  sparse?: boolean;
  budget?: number;
}

/** QPs a search may solve unless --budget says otherwise (one leaf at one margin each; ~10 ms each on a depth-8 MNIST tree). */
export const COUNTERFACTUAL_BUDGET = 1000;

/**
 * The classes the changed input may end in: the one named (by name, else by number), or for
 * "auto" every class but the current answer — the search then returns the cheapest change
 * over all of them, so "auto" is the class nearest to the input in the norm searched.
 */
function targetClasses(request: string, file: TreeFile, model: string, explanation: Explanation): number[] {
  const names = file.classNames;
  const current = explanation.prediction.maxPathClass;
  if (request === 'auto') return names.map((_, k) => k).filter((k) => k !== current);
  const byName = names.indexOf(request);
  const byNumber = /^\d+$/.test(request) && Number(request) < names.length ? Number(request) : -1;
  const target = byName >= 0 ? byName : byNumber;
  if (target < 0) {
    const list = names.length <= 12 ? names.join(', ') : `${names.slice(0, 12).join(', ')}, …`;
    throw new SdtError(`--counterfactual ${request} is not a class of ${model} (classes: ${list}; or numbers 0–${names.length - 1}, or auto).`);
  }
  if (target === current) throw new SdtError(`--counterfactual ${request}: the tree already answers ${names[current]} for ${explanation.source}; name another class or auto.`);
  return [target];
}

/**
 * The model's input range, in its own units: for images the pixel range 0–255 through the
 * file's preprocessing, for tabular data each feature's smallest and largest value in the
 * dataset (train and test).
 */
function inputRange(file: TreeFile, predictor: TreePredictor, dataset: Dataset): { lower: Float64Array; upper: Float64Array } {
  const F = predictor.features;
  if (imageShape(file.inputShape)) {
    const [black, white] = [predictor.preprocess(new Float64Array(F)), predictor.preprocess(new Float64Array(F).fill(255))];
    return { lower: Float64Array.from(black, (v, j) => Math.min(v, white[j])), upper: Float64Array.from(black, (v, j) => Math.max(v, white[j])) };
  }
  const lower = new Float64Array(F).fill(Infinity);
  const upper = new Float64Array(F).fill(-Infinity);
  for (const split of [dataset.train, dataset.test]) {
    for (let i = 0; i < split.n * F; i++) {
      const j = i % F;
      [lower[j], upper[j]] = [Math.min(lower[j], split.x[i]), Math.max(upper[j], split.x[i])];
    }
  }
  return { lower, upper };
}

/** Runs the search for the explained example; `request` is "auto" or the target's class name. */
export function searchCounterfactual(
  o: CounterfactualOptions & { counterfactual: string; model: string },
  file: TreeFile,
  predictor: TreePredictor,
  dataset: Dataset,
  explanation: Explanation,
): { search: CounterfactualSearch; request: string; sparse: boolean } {
  const targets = targetClasses(o.counterfactual, file, o.model, explanation);
  const search = findCounterfactual(file, predictor, explanation.x, { targets, ...inputRange(file, predictor, dataset), sparse: o.sparse, budget: o.budget ?? COUNTERFACTUAL_BUDGET });
  return { search, request: o.counterfactual === 'auto' ? 'auto' : file.classNames[targets[0]], sparse: Boolean(o.sparse) };
}

/** The counterfactual in `sdt explain --json`: the answer, the new path, the norms and the changed input in raw units. */
export function counterfactualJson(view: CounterfactualView): Record<string, unknown> {
  const { found, search } = view;
  return {
    target: view.request,
    found: Boolean(found),
    ...(found ? {
      answer: view.classNames[found.toClass],
      leaf: found.leaf,
      path: found.explanation.path,
      l2: found.l2,
      l1: found.l1,
      l0: found.l0,
      changedInput: Array.from(found.explanation.raw),
    } : {}),
    solves: search.solves,
    leavesTried: search.leavesTried,
    candidateLeaves: search.candidateLeaves,
    complete: search.complete,
  };
}
