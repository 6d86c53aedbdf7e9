/**
 * Seeded, deterministic splits: the same seed gives the same examples in the same order
 * on every machine (mulberry32 from src/random.ts), so a run's manifest can name its
 * validation set by (seed, fraction) instead of storing it.
 */
import { SdtError } from '../errors.js';
import { permutation, randomSource } from '../random.js';
import { subset, type Split } from './dataset.js';

/**
 * Holds out round(n · fraction) examples, chosen uniformly at random, for validation.
 * Both parts come out in shuffled order. Fraction 0 gives an empty validation set.
 */
export function validationSplit(
  train: Split,
  features: number,
  fraction: number,
  seed: number,
): { train: Split; validation: Split } {
  checkFraction('validation', fraction, train.n);
  const order = permutation(train.n, randomSource(seed));
  const held = Math.round(train.n * fraction);
  return {
    train: subset(train, order.subarray(held), features),
    validation: subset(train, order.subarray(0, held), features),
  };
}

/**
 * Holds out round(n_k · fraction) examples of every class k for testing, so the test set
 * keeps the class balance of the whole (tables are often sorted by class, and a plain
 * cut would miss classes). Both parts come out in shuffled order.
 */
export function stratifiedSplit(
  all: Split,
  features: number,
  classCount: number,
  fraction: number,
  seed: number,
): { train: Split; test: Split } {
  checkFraction('test', fraction, all.n);
  const remaining = new Int32Array(classCount);
  for (let i = 0; i < all.n; i++) remaining[all.y[i]]++;
  for (let k = 0; k < classCount; k++) remaining[k] = Math.round(remaining[k] * fraction);
  const train: number[] = [];
  const test: number[] = [];
  for (const i of permutation(all.n, randomSource(seed))) {
    const k = all.y[i];
    if (remaining[k] > 0) {
      remaining[k]--;
      test.push(i);
    } else {
      train.push(i);
    }
  }
  if (train.length === 0) {
    throw new SdtError(`a test fraction of ${fraction} leaves none of the ${all.n} examples for training.`);
  }
  return { train: subset(all, train, features), test: subset(all, test, features) };
}

function checkFraction(role: string, fraction: number, n: number): void {
  if (!Number.isFinite(fraction) || fraction < 0 || fraction >= 1) {
    throw new SdtError(`the ${role} fraction must be at least 0 and below 1, not ${fraction}.`);
  }
  if (n > 0 && Math.round(n * fraction) >= n) {
    throw new SdtError(`a ${role} fraction of ${fraction} leaves none of the ${n} examples for training.`);
  }
}
