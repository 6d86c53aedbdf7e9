/** Classification metrics on plain arrays: accuracy, confusion matrix, per-class accuracy, agreement. */

export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return labels.length === 0 ? 0 : correct / labels.length;
}

/** Share of examples on which two models give the same class (fidelity of a student to its teacher). */
export const agreement = accuracy;

/** confusion[true][predicted] counts. */
export function confusionMatrix(predicted: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][predicted[i]]++;
  return m;
}

export function perClassAccuracy(confusion: number[][]): number[] {
  return confusion.map((row, k) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? 0 : row[k] / total;
  });
}
