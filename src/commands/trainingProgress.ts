/** Turns the training loop's callbacks into a progress bar and one line per epoch. */
import type { TrainCallbacks } from '../distill/train.js';
import { createProgress, type Progress } from '../progress.js';

export function trainingProgress(label: string, epochs: number, quiet = false): TrainCallbacks {
  let bar: Progress | undefined;
  return {
    onBatch({ epoch, batch, batches, loss }) {
      bar ??= createProgress(label, epochs * batches, process.stderr, quiet);
      bar.update((epoch - 1) * batches + batch, `epoch ${epoch}/${epochs} loss ${loss.toFixed(4)}`);
    },
    onEpoch(r) {
      if (quiet) return;
      const validation = r.validationAccuracy === null ? '' : ` validation ${(r.validationAccuracy * 100).toFixed(2)} %`;
      process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[2K' : ''}${label} epoch ${r.epoch}/${epochs}: loss ${r.loss.toFixed(4)}${validation} lr ${r.learningRate.toExponential(2)} (${r.seconds.toFixed(1)} s)\n`);
    },
  };
}
