/**
 * Training length and batch size sized to the data when the user did not choose them. The
 * defaults (25 tree epochs and the MLP teacher's 10, batch 128) were set for 54,000 images; a table
 * of a few hundred rows would get a few hundred optimisation steps from them, too few for
 * the tree to leave its start (issue 16). So, unless chosen:
 * - the batch size is at most a tenth of the training rows (at least 16), so an epoch has
 *   about ten steps or more;
 * - the epochs are raised until training takes at least `minSteps` steps (the schedule runs
 *   by steps, the epoch stays its unit).
 * For MNIST (54,000 training images: 422 batches of 128) neither applies: 25 tree epochs are
 * 10,550 steps, above the floor of 4,000, and the CNN teacher's 4 epochs of 64 are 3,376,
 * above its floor of 3,000 (CNN_MIN_STEPS).
 */
import { SdtError } from '../errors.js';

export const MIN_STEPS = 4000;
const BATCHES_PER_EPOCH = 10;
const SMALLEST_BATCH = 16;

/** Examples left for training after the validation split holds out round(n · share). */
export function trainingRows(n: number, validation: number): number {
  return n - Math.round(n * validation);
}

export interface ScheduleChoice {
  epochs: number;
  batchSize: number;
}

/**
 * `chosen(name)` tells whether the user set `epochs` or `batchSize` (then it is kept; a
 * batch larger than the data is refused); `flag` is the option's prefix for messages
 * (`--teacher-` for the teacher's options in `sdt distill`). Notes say what changed.
 */
export function fitToData<T extends ScheduleChoice>(
  options: T,
  rows: number,
  chosen: (name: 'epochs' | 'batchSize') => boolean,
  minSteps = MIN_STEPS,
  flag = '--',
): { options: T; notes: string[] } {
  const notes: string[] = [];
  let { epochs, batchSize } = options;
  if (chosen('batchSize')) {
    if (batchSize > rows) throw new SdtError(`${flag}batch-size ${batchSize} is larger than the ${rows} training examples; the allowed range here is 1–${rows}.`);
  } else {
    const fitted = Math.min(batchSize, rows, Math.max(SMALLEST_BATCH, Math.floor(rows / BATCHES_PER_EPOCH)));
    if (fitted !== batchSize) notes.push(`batch size ${fitted} (the default ${batchSize} is more than a tenth of the ${rows} training examples; ${flag}batch-size to choose)`);
    batchSize = fitted;
  }
  const steps = Math.ceil(rows / batchSize);
  if (!chosen('epochs') && steps * epochs < minSteps) {
    const raised = Math.ceil(minSteps / steps);
    notes.push(`${raised} epochs (${steps} steps each: the default ${epochs} would take ${steps * epochs} optimisation steps, fewer than the floor of ${minSteps}; ${flag}epochs or ${flag}min-steps to choose)`);
    epochs = raised;
  }
  return { options: { ...options, epochs, batchSize }, notes };
}
