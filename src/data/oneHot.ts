/** One-hot rows for labels: the hard targets the teacher and the baseline tree train on. */
export function oneHot(labels: Int32Array, classes: number): Float32Array {
  const t = new Float32Array(labels.length * classes);
  labels.forEach((y, i) => (t[i * classes + y] = 1));
  return t;
}
