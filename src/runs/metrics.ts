/** What a run folder's metrics.json records. */

/** One epoch of training, as the loop records it (metrics.json's `history`, and the checkpoint's). */
export interface EpochRecord {
  epoch: number;
  loss: number;
  validationAccuracy: number | null;
  learningRate: number;
  seconds: number;
}
