/**
 * An input given as a file rather than a test example: a PNG, JPEG or WebP picture (for
 * image models, normalised as MNIST was: imageInput.ts) or a CSV row of raw values. Values
 * are raw (pixels 0–255, the CSV's units); the model file's preprocessing applies afterwards.
 */
import { SdtError } from '../errors.js';
import { describeFsError } from '../fsErrors.js';
import { readBounded } from './bounded.js';
import { normaliseImage } from './imageInput.js';

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/** Height, width and channels of an image input shape ([h, w] or [h, w, c]); undefined for tabular. */
export function imageShape(inputShape: number[]): ImageShape | undefined {
  if (inputShape.length < 2) return undefined;
  const [height, width, ...rest] = inputShape;
  return { height, width, channels: rest.reduce((a, b) => a * b, 1) };
}

export interface InputValues {
  raw: Float64Array;
  /** What was done to the file on the way, for the user (inverted, cropped, fitted, centred). */
  note?: string;
}

/** PNG, JPEG or WebP, by magic bytes or by name. */
function isImage(bytes: Buffer, path: string): boolean {
  const png = bytes[0] === 0x89 && bytes.subarray(1, 4).toString('latin1') === 'PNG';
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  const webp = bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP';
  return png || jpeg || webp || /\.(png|jpe?g|webp)$/i.test(path);
}

export async function readInputFile(path: string, features: number, image: ImageShape | undefined): Promise<InputValues> {
  const bytes = readBounded(path, `input ${path}`, describeFsError);
  if (bytes.length === 0) throw new SdtError(`input ${path} is empty.`);
  if (isImage(bytes, path)) {
    if (!image) throw new SdtError(`input ${path} is an image, but this model takes ${features} tabular features; pass a CSV row.`);
    const { ink, note } = await normaliseImage(bytes, path, image);
    const raw = new Float64Array(ink.length * image.channels);
    ink.forEach((v, p) => raw.fill(v, p * image.channels, (p + 1) * image.channels));
    return { raw, note };
  }
  return fromCsvRow(bytes.toString('utf8'), path, features);
}

/** The last non-empty line of numbers (a header line above it is allowed). */
function fromCsvRow(text: string, path: string, features: number): InputValues {
  const lines = text.split(/\r?\n/).map((l, i) => ({ line: i + 1, text: l.trim() })).filter((l) => l.text !== '');
  if (lines.length === 0) throw new SdtError(`input ${path} holds no values.`);
  const { line, text: row } = lines[lines.length - 1];
  const cells = row.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  if (cells.length !== features) {
    throw new SdtError(`input ${path}, line ${line}, has ${cells.length} values, but the model takes ${features} features (raw values, no label).`);
  }
  const raw = Float64Array.from(cells, (cell, c) => {
    const v = Number(cell);
    if (cell === '' || !Number.isFinite(v)) throw new SdtError(`input ${path}, line ${line}, value ${c + 1} "${cell}" is not a finite number.`);
    return v;
  });
  return { raw };
}
