/** Row-major matrices as flat arrays ([n, width]): picking rows, stacking them, transposing, and each row's largest entry. */

/** The rows `rows` of `source`, copied in that order (into `out`). */
export function gatherRows(source: Float32Array, rows: ArrayLike<number>, width: number, out: Float32Array = new Float32Array(rows.length * width)): Float32Array {
  for (let i = 0; i < rows.length; i++) out.set(source.subarray(rows[i] * width, (rows[i] + 1) * width), i * width);
  return out;
}

/** The [columns, rows] transpose of a [rows, columns] matrix, into `out`. */
export function transpose(values: Float32Array, rows: number, columns: number, out: Float32Array = new Float32Array(values.length)): Float32Array {
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[c * rows + r] = values[r * columns + c];
  return out;
}

/** The column of each row's largest value (ties: the lowest column). */
export function argMaxRows(values: ArrayLike<number>, width: number): Int32Array {
  const n = values.length / width;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < width; k++) if (values[i * width + k] > values[i * width + best]) best = k;
    out[i] = best;
  }
  return out;
}

/** The rows of `a` followed by the rows of `b` (of the same width). */
export function stackRows(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
