/** What a run folder's metrics.json records. */

/** One epoch of training, as the loop records it (metrics.json's `history`, and the checkpoint's). */
export interface EpochRecord {
  epoch: number;
  loss: number;
  validationAccuracy: number | null;
  learningRate: number;
  seconds: number;
  /** What the model adds to the record (the test metrics before hardening, for a tree). */
  report?: Record<string, unknown>;
}
