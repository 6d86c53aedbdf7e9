/**
 * An input given as a file rather than a test example: a PNG of the input's size (for
 * image models) or a CSV row of raw values. Values are raw (pixels 0–255, the CSV's units);
 * the model file's preprocessing applies afterwards.
 */
import { SdtError } from '../errors.js';
import { describeFsError } from '../fsErrors.js';
import { readBounded } from './bounded.js';
import { decodePng } from './png.js';

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
  /** What was done to the file on the way, for the user (e.g. "inverted: dark ink on light paper"). */
  note?: string;
}

export function readInputFile(path: string, features: number, image: ImageShape | undefined): InputValues {
  const bytes = readBounded(path, `input ${path}`, describeFsError);
  if (bytes.length === 0) throw new SdtError(`input ${path} is empty.`);
  const isPng = bytes[0] === 0x89 && bytes.subarray(1, 4).toString('latin1') === 'PNG';
  if (isPng || /\.png$/i.test(path)) {
    if (!image) throw new SdtError(`input ${path} is an image, but this model takes ${features} tabular features; pass a CSV row.`);
    return fromPng(bytes, path, image);
  }
  return fromCsvRow(bytes.toString('utf8'), path, features);
}

function fromPng(bytes: Buffer, path: string, image: ImageShape): InputValues {
  const decoded = decodePng(bytes, path);
  if (decoded.width !== image.width || decoded.height !== image.height) {
    throw new SdtError(`input ${path} is ${decoded.width}×${decoded.height} pixels, but the model expects ${image.width}×${image.height}.`);
  }
  // Datasets like MNIST store light ink (255) on a dark background (0). A picture whose
  // border is mostly light is dark ink on paper: invert it.
  const { gray, width, height } = decoded;
  let border = 0;
  let count = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (y === 0 || x === 0 || y === height - 1 || x === width - 1) {
        border += gray[y * width + x];
        count++;
      }
    }
  }
  const invert = border / count > 127;
  const raw = new Float64Array(width * height * image.channels);
  for (let p = 0; p < width * height; p++) raw.fill(invert ? 255 - gray[p] : gray[p], p * image.channels, (p + 1) * image.channels);
  return { raw, ...(invert ? { note: `${path} has a light background, so it was inverted (the model expects light ink on dark)` } : {}) };
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
