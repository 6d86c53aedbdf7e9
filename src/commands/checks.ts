/** Checks several commands make before any work, each in one place with one message. */
import type { Dataset } from '../data/dataset.js';
import { featureCount } from '../data/dataset.js';
import { SdtError } from '../errors.js';

/** The CNN teacher reads images ([height, width, channels]). */
export function requireImageData(dataset: Dataset): void {
  if (dataset.inputShape.length !== 3) throw new SdtError(`the CNN teacher needs image data; ${dataset.name} has inputs of shape [${dataset.inputShape}].`);
}

/** A batch must fit in the training examples left after the validation split. */
export function checkBatchSize(options: { batchSize: number; validation: number }, dataset: Dataset): void {
  const trainingRows = Math.floor(dataset.train.n * (1 - options.validation));
  if (options.batchSize > trainingRows) {
    throw new SdtError(`--batch-size ${options.batchSize} is larger than the ${trainingRows} training examples; the allowed range here is 1–${trainingRows}.`);
  }
}

/** A model's inputs and classes must be the dataset's. */
export function checkModelFitsData(model: string, inputShape: number[], classes: number, dataset: Dataset): void {
  if (featureCount({ inputShape }) !== featureCount(dataset) || classes !== dataset.classNames.length) {
    throw new SdtError(`model ${model} expects inputs [${inputShape}] and ${classes} classes, but ${dataset.name} has [${dataset.inputShape}] and ${dataset.classNames.length}.`, 'Pass the --dataset it was trained on.');
  }
}
