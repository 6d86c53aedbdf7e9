/**
 * A minimal PNG codec on node:zlib: enough to embed heatmaps (8-bit RGB, filter 0) and to
 * read a user's 28×28 input (8-bit grayscale, grey+alpha, RGB, RGBA or palette; not
 * interlaced). Anything else is refused with a sentence naming the file.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { SdtError } from '../errors.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** PNG bytes of an 8-bit RGB image; `rgb` is row-major [height, width, 3]. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, filter 0, no interlace
  const raw = Buffer.alloc(height * (1 + 3 * width));
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * 3 * width, (y + 1) * 3 * width), y * (1 + 3 * width) + 1);
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array(0))]);
}

export const pngDataUri = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;

export interface DecodedImage {
  width: number;
  height: number;
  /** Luminance 0–255 after compositing any transparency onto white, row-major. */
  gray: Uint8Array;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes a PNG to grey levels; `path` only names the file in errors. */
export function decodePng(bytes: Uint8Array, path: string): DecodedImage {
  const fail = (problem: string): never => {
    throw new SdtError(`input ${path} ${problem}.`);
  };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) fail('is not a PNG file (no PNG signature)');
  let offset = 8;
  let ihdr: Buffer | undefined;
  let palette: Buffer | undefined;
  let transparency: Buffer | undefined;
  const idat: Buffer[] = [];
  while (offset + 12 <= buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('ascii', offset + 4, offset + 8);
    if (offset + 12 + length > buf.length) fail(`is truncated (chunk ${type} at byte ${offset} runs past the end)`);
    const data = buf.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') ihdr = data;
    else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') transparency = data;
    else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
    if (type === 'IEND') break;
  }
  if (!ihdr || ihdr.length < 13) return fail('has no image header (IHDR)');
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const [bitDepth, colourType, , , interlace] = ihdr.subarray(8, 13);
  const channels = CHANNELS[colourType];
  if (channels === undefined) fail(`has an unknown PNG colour type ${colourType}`);
  if (bitDepth !== 8) fail(`has ${bitDepth}-bit samples; sdt reads 8-bit PNGs only`);
  if (interlace !== 0) fail('is interlaced; sdt reads non-interlaced PNGs only');
  if (colourType === 3 && !palette) fail('is a palette image without a palette');
  if (width === 0 || height === 0 || width * height > 4096 * 4096) fail(`has an unusable size ${width}×${height}`);
  if (idat.length === 0) fail('has no image data (IDAT)');
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch {
    return fail('has corrupt image data (truncated or damaged)');
  }
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) fail('has less image data than its size needs (truncated)');
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? pixels[out + i - channels] : 0;
      const b = y > 0 ? pixels[out - stride + i] : 0;
      const c = i >= channels && y > 0 ? pixels[out - stride + i - channels] : 0;
      const predictor = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : fail(`has an unknown row filter ${filter} on row ${y}`);
      pixels[out + i] = (line[i] + predictor) & 0xff;
    }
  }
  const gray = new Uint8Array(width * height);
  const luminance = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    let value: number;
    let alpha = 255;
    if (colourType === 0) value = pixels[s];
    else if (colourType === 4) [value, alpha] = [pixels[s], pixels[s + 1]];
    else if (colourType === 2) value = luminance(pixels[s], pixels[s + 1], pixels[s + 2]);
    else if (colourType === 6) [value, alpha] = [luminance(pixels[s], pixels[s + 1], pixels[s + 2]), pixels[s + 3]];
    else {
      const k = pixels[s];
      if (3 * k + 2 >= palette!.length) fail(`has a palette index ${k} outside its palette`);
      value = luminance(palette![3 * k], palette![3 * k + 1], palette![3 * k + 2]);
      if (transparency && k < transparency.length) alpha = transparency[k];
    }
    gray[p] = Math.round((value * alpha + 255 * (255 - alpha)) / 255); // over white
  }
  return { width, height, gray };
}
