/**
 * Adam's update as one WebAssembly SIMD loop over float32 (f32x4), with the moment estimates
 * kept in the module's own memory between steps.
 *
 * Why hand-assembled: the update as tensor ops was ten kernels per variable and step on the
 * wasm backend (a fifth of a depth-8 tree's training step); in JavaScript it runs in double
 * precision, and rounding to float32 after every operation with Math.fround (to keep the
 * tensor ops' bits) made it slower than the kernels (measured 7 ms against 6.5 ms for a
 * depth-8 tree's 203k parameters). Wasm's f32x4 operations round exactly as those kernels do,
 * four lanes at a time. It is written as bytes (src/kernels/wasmAssembly.ts says why).
 */

import { ADD, advance, DIV, f32x4, get, HEADER, leb, LOAD, MUL, name, section, set, SPLAT, SQRT, STORE, SUB } from '../kernels/wasmAssembly.js';

/**
 * adam(θ, g, m, v, n, s), byte offsets of float32 arrays of n (a multiple of 4) elements, in place:
 * m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²;  θ ← θ − s · m / (√v + ε),
 * each product and sum rounded to float32 in the order of the tensor ops it replaces.
 */
function adamModule(pages: number, beta1: number, beta2: number, epsilon: number): Uint8Array<ArrayBuffer> {
  const [THETA, G, M, V, N, S, END, GV, MV, VV] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const code = [
    ...get(THETA), ...get(N), 0x41, 2, 0x74, 0x6a, ...set(END), // end = θ + 4n
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(THETA), ...get(END), 0x4f, 0x0d, 1, // θ ≥ end: leave
    ...get(G), ...LOAD, ...set(GV),
    ...get(M), ...LOAD, ...f32x4(beta1), ...MUL, ...get(GV), ...f32x4(1 - beta1), ...MUL, ...ADD, ...set(MV),
    ...get(M), ...get(MV), ...STORE,
    ...get(V), ...LOAD, ...f32x4(beta2), ...MUL, ...get(GV), ...get(GV), ...MUL, ...f32x4(1 - beta2), ...MUL, ...ADD, ...set(VV),
    ...get(V), ...get(VV), ...STORE,
    ...get(THETA), ...get(THETA), ...LOAD, ...get(S), ...SPLAT, ...get(MV), ...get(VV), ...SQRT, ...f32x4(epsilon), ...ADD, ...DIV, ...MUL, ...SUB, ...STORE,
    ...[THETA, G, M, V].flatMap((p) => advance(p, 16)),
    0x0c, 0, 0x0b, 0x0b, // br loop, end loop, end block
    0x0b,
  ];
  const body = [2, 1, 0x7f, 3, 0x7b, ...code]; // locals: one i32 (end), three v128
  return Uint8Array.from([
    ...HEADER,
    ...section(1, [1, 0x60, 6, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7d, 0]), // (i32 ×5, f32) → ()
    ...section(3, [1, 0]),
    ...section(5, [1, 0, ...leb(pages)]),
    ...section(7, [2, ...name('memory'), 0x02, 0, ...name('adam'), 0x00, 0]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
}

/** Adam over variables of the given sizes: the moments live here, θ and g are copied in per step. */
export interface AdamKernel {
  /** Updates θ and the moments of variable `index` with step size s; the new θ is a view of the kernel's memory, valid until the next update. */
  update(index: number, theta: Float32Array, g: Float32Array, stepSize: number): Float32Array;
  /** The first and second moments of every variable, as views. */
  first: Float32Array[];
  second: Float32Array[];
}

export function createAdamKernel(sizes: number[], beta1: number, beta2: number, epsilon: number): AdamKernel {
  const padded = sizes.map((n) => Math.ceil(n / 4) * 4);
  const largest = Math.max(4, ...padded);
  const floats = 2 * padded.reduce((a, b) => a + b, 0) + 2 * largest;
  const pages = Math.ceil((floats * 4) / 65536) || 1;
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(adamModule(pages, beta1, beta2, epsilon)));
  const memory = (exports.memory as WebAssembly.Memory).buffer; // never grows: all of it is allocated here
  const adam = exports.adam as (theta: number, g: number, m: number, v: number, n: number, s: number) => void;
  let offset = 0;
  const take = (n: number) => {
    const view = new Float32Array(memory, offset * 4, n);
    offset += n;
    return view;
  };
  const [theta, g] = [take(largest), take(largest)];
  const moments = padded.map((n) => [take(n), take(n)]);
  return {
    update(index, values, gradient, stepSize) {
      const [m, v] = moments[index];
      theta.set(values);
      g.set(gradient);
      adam(theta.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset, padded[index], stepSize);
      return theta.subarray(0, values.length);
    },
    first: moments.map(([m], i) => m.subarray(0, sizes[i])),
    second: moments.map(([, v], i) => v.subarray(0, sizes[i])),
  };
}
