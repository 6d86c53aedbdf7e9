/**
 * Bytes of WebAssembly instructions and sections, for the few SIMD loops sdt writes by hand
 * (the Adam update, and the kernels that run on the wasm backend's own heap). No library
 * offers these loops and each module is a few hundred bytes, so they are written as bytes
 * rather than adding an assembler to the build. Opcodes: the WebAssembly core and SIMD specs.
 */

/** v128.const with one float32 in all four lanes. */
export const f32x4 = (value: number) => [0xfd, 0x0c, ...new Uint8Array(new Float32Array([value, value, value, value]).buffer)];
/** v128.load / v128.store, 16-byte alignment hint, offset 0. */
export const [LOAD, STORE] = [[0xfd, 0x00, 0x04, 0x00], [0xfd, 0x0b, 0x04, 0x00]];
export const [SQRT, ADD, SUB, MUL, DIV, SPLAT] = [[0xfd, 0xe3, 0x01], [0xfd, 0xe4, 0x01], [0xfd, 0xe5, 0x01], [0xfd, 0xe6, 0x01], [0xfd, 0xe7, 0x01], [0xfd, 0x13]];
/** f32x4.eq, f32x4.ge (lane masks), v128.and, v128.andnot (a & ~b), v128.or. */
export const [EQ, GE, AND, ANDNOT, OR] = [[0xfd, 0x41], [0xfd, 0x46], [0xfd, 0x4e], [0xfd, 0x4f], [0xfd, 0x50]];
export const get = (local: number) => [0x20, local];
export const set = (local: number) => [0x21, local];
/** local += bytes (i32). */
export const advance = (local: number, bytes: number) => [...get(local), 0x41, ...sleb(bytes), 0x6a, ...set(local)];

/** Unsigned LEB128. */
export function leb(value: number): number[] {
  const out: number[] = [];
  do {
    const byte = value & 0x7f;
    value >>>= 7;
    out.push(value === 0 ? byte : byte | 0x80);
  } while (value !== 0);
  return out;
}

/** Signed LEB128 (i32.const's immediate). */
export function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && !(byte & 0x40)) || (value === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

export const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
export const name = (text: string) => [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
/** The module header: magic number and version 1. */
export const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
