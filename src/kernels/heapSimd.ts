/**
 * SIMD loops that work in place on the wasm backend's own memory: a module assembled here
 * (src/kernels/wasmAssembly.ts) imports the backend's WebAssembly.Memory, so a kernel passes
 * byte offsets of tensors (`typedArrayFromHeap(t).byteOffset`) and nothing is copied. They
 * run on the calling thread; each is one pass over memory, where the JavaScript loops they
 * replace spent most of their time.
 */
import { AND, ANDNOT, ADD, advance, EQ, f32x4, GE, get, HEADER, leb, LOAD, name, OR, section, set, STORE } from './wasmAssembly.js';
import type { WasmBackend } from './wasmOps.js';

/** The smallest positive normal float32: the builtin MaxPoolGrad's starting maximum. */
export const FLT_MIN = 1.1754943508222875e-38;

export interface HeapSimd {
  /** dst[c] += src[r, c] for r = 0…rows−1 in turn (cols a multiple of 4; byte offsets). */
  sumRows(src: number, dst: number, rows: number, cols: number): void;
  /**
   * One window position of a max pool's gradient over `windows` windows of `channels` (a
   * multiple of 4) channels: where x = y ≥ FLT_MIN and `taken` is clear, out = g, else +0;
   * then taken |= (x = y ≥ FLT_MIN). x and out step `windowBytes` from window to window,
   * y, g and taken `4 · channels`.
   */
  poolPick(x: number, y: number, g: number, out: number, taken: number, windows: number, channels: number, windowBytes: number): void;
}

const I32 = 0x7f;
const V128 = 0x7b;
const [BLOCK, LOOP, END, BR, BR_IF] = [[0x02, 0x40], [0x03, 0x40], [0x0b], [0x0c], [0x0d]];
const [ADD_I32, SUB_I32, GE_U, EQZ] = [0x6a, 0x6b, 0x4f, 0x45];

/** sumRows(src, dst, rows, cols): params 0–3, locals 4 (cursor in dst), 5 (end of dst). */
function sumRowsBody(): number[] {
  const [SRC, DST, ROWS, COLS, AT, ENDS] = [0, 1, 2, 3, 4, 5];
  const code = [
    ...BLOCK, ...LOOP,
    ...get(ROWS), EQZ, ...BR_IF, 1, // no rows left: leave
    ...get(DST), ...set(AT),
    ...get(DST), ...get(COLS), 0x41, 2, 0x74, ADD_I32, ...set(ENDS), // end = dst + 4 · cols
    ...BLOCK, ...LOOP,
    ...get(AT), ...get(ENDS), GE_U, ...BR_IF, 1,
    ...get(AT), ...get(AT), ...LOAD, ...get(SRC), ...LOAD, ...ADD, ...STORE, // dst[c..c+3] += src[r, c..c+3]
    ...advance(AT, 16), ...advance(SRC, 16),
    ...BR, 0, ...END, ...END,
    ...get(ROWS), 0x41, 1, SUB_I32, ...set(ROWS),
    ...BR, 0, ...END, ...END,
    ...END,
  ];
  return [1, 2, I32, ...code]; // two i32 locals
}

/** poolPick(x, y, g, out, taken, windows, channels, windowBytes): params 0–7, locals 8 (end of a window's y), 9–11 v128. */
function poolPickBody(): number[] {
  const [X, Y, G, OUT, TAKEN, WINDOWS, CHANNELS, STEP, ENDS, YV, HIT, WAS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const code = [
    ...BLOCK, ...LOOP,
    ...get(WINDOWS), EQZ, ...BR_IF, 1,
    ...get(Y), ...get(CHANNELS), 0x41, 2, 0x74, ADD_I32, ...set(ENDS),
    ...BLOCK, ...LOOP,
    ...get(Y), ...get(ENDS), GE_U, ...BR_IF, 1,
    ...get(Y), ...LOAD, ...set(YV),
    // hit = (x = y) ∧ (y ≥ FLT_MIN): this position holds the window's (normal, positive) maximum
    ...get(X), ...LOAD, ...get(YV), ...EQ, ...get(YV), ...f32x4(FLT_MIN), ...GE, ...AND, ...set(HIT),
    ...get(TAKEN), ...LOAD, ...set(WAS),
    ...get(OUT), ...get(HIT), ...get(WAS), ...ANDNOT, ...get(G), ...LOAD, ...AND, ...STORE, // out = g where hit ∧ ¬taken, else +0
    ...get(TAKEN), ...get(WAS), ...get(HIT), ...OR, ...STORE,
    ...[X, Y, G, OUT, TAKEN].flatMap((p) => advance(p, 16)),
    ...BR, 0, ...END, ...END,
    // next window: x and out jump the rest of the window's width
    ...get(X), ...get(STEP), ADD_I32, ...get(CHANNELS), 0x41, 2, 0x74, SUB_I32, ...set(X),
    ...get(OUT), ...get(STEP), ADD_I32, ...get(CHANNELS), 0x41, 2, 0x74, SUB_I32, ...set(OUT),
    ...get(WINDOWS), 0x41, 1, SUB_I32, ...set(WINDOWS),
    ...BR, 0, ...END, ...END,
    ...END,
  ];
  return [2, 1, I32, 3, V128, ...code];
}

function heapModule(shared: boolean): Uint8Array<ArrayBuffer> {
  const bodies = [sumRowsBody(), poolPickBody()];
  // Shared memories must declare a maximum; 65,536 pages is wasm32's limit, so any memory fits.
  const limits = shared ? [0x03, 0, ...leb(65536)] : [0x00, 0];
  return Uint8Array.from([
    ...HEADER,
    ...section(1, [2, 0x60, 4, I32, I32, I32, I32, 0, 0x60, 8, I32, I32, I32, I32, I32, I32, I32, I32, 0]), // (i32 ×4) → (), (i32 ×8) → ()
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, ...limits]),
    ...section(3, [2, 0, 1]),
    ...section(7, [2, ...name('sumRows'), 0x00, 0, ...name('poolPick'), 0x00, 1]),
    ...section(10, [2, ...bodies.flatMap((body) => [...leb(body.length), ...body])]),
  ]);
}

const instances = new WeakMap<WebAssembly.Memory, HeapSimd>();

/** The loops bound to this backend's memory (one instance per memory). */
export function heapSimd(backend: WasmBackend): HeapSimd {
  // The threaded build keeps its (shared) memory in wasmMemory; the other exports it.
  const { wasm } = backend as unknown as { wasm: { wasmMemory?: WebAssembly.Memory; asm: { memory: WebAssembly.Memory } } };
  const memory = wasm.wasmMemory ?? wasm.asm.memory;
  let simd = instances.get(memory);
  if (!simd) {
    const module = new WebAssembly.Module(heapModule(memory.buffer instanceof SharedArrayBuffer));
    simd = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as HeapSimd;
    instances.set(memory, simd);
  }
  return simd;
}
