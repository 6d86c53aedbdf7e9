/** Checks several commands make before any work, each in one place with one message. */
import type { Dataset } from '../data/dataset.js';
import { featureCount } from '../data/dataset.js';
import { SdtError } from '../errors.js';

/** The CNN teacher reads images ([height, width, channels]); `instead` names the option that picks the MLP. */
export function requireImageData(dataset: Dataset, instead: string): void {
  if (dataset.inputShape.length !== 3) {
    throw new SdtError(`the CNN teacher needs image data; ${dataset.name} has inputs of shape [${dataset.inputShape}], so use ${instead} (the default for tables).`);
  }
}

/** A model's inputs and classes must be the dataset's. */
export function checkModelFitsData(model: string, inputShape: number[], classes: number, dataset: Dataset): void {
  if (featureCount({ inputShape }) !== featureCount(dataset) || classes !== dataset.classNames.length) {
    throw new SdtError(`model ${model} expects inputs [${inputShape}] and ${classes} classes, but ${dataset.name} has [${dataset.inputShape}] and ${dataset.classNames.length}.`, 'Pass the --dataset it was trained on.');
  }
}
