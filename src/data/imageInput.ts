/**
 * A user's picture (PNG, JPEG or WebP, any size; a photo of a digit on paper, a screenshot)
 * made into the model's input the way MNIST itself was made (LeCun et al.): grey levels,
 * light ink on a dark ground, cropped to the ink, fitted into a 20×20 box (aspect kept,
 * anti-aliased) and placed in the 28×28 frame so that its centre of mass is the frame's
 * centre. Decoding and resampling are sharp's (libvips); the arithmetic between is ours.
 */
import sharp from 'sharp';
import { SdtError } from '../errors.js';

export interface GreyFrame {
  width: number;
  height: number;
}

export interface NormalisedImage {
  /** Ink 0–255 (0 ground, 255 ink), row-major [height, width] of the model's frame. */
  ink: Float64Array;
  /** What was done on the way, in words, for the user and the drawing. */
  note: string;
}

/** MNIST's proportions: the ink fits a 20-pixel box in a 28-pixel frame. */
const BOX_SHARE = 20 / 28;
/** Ink fainter than this share of the range above the ground is paper texture or JPEG noise. */
const NOISE_FLOOR = 0.15;

async function decodeGrey(bytes: Buffer, path: string): Promise<{ grey: Uint8Array; width: number; height: number; format: string }> {
  try {
    const image = sharp(bytes, { failOn: 'error' });
    const { format } = await image.metadata();
    // Transparency is composited onto white paper, as a drawing program shows it.
    const { data, info } = await image.flatten({ background: '#ffffff' }).greyscale().raw().toBuffer({ resolveWithObject: true });
    const grey = new Uint8Array(info.width * info.height);
    for (let p = 0; p < grey.length; p++) grey[p] = data[p * info.channels];
    return { grey, width: info.width, height: info.height, format: String(format).toUpperCase() };
  } catch (error) {
    throw new SdtError(`input ${path} is not an image sharp can read (PNG, JPEG or WebP): ${(error as Error).message.replace(/\.$/, '')}.`);
  }
}

function borderValues(values: ArrayLike<number>, width: number, height: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (y === 0 || x === 0 || y === height - 1 || x === width - 1) out.push(values[y * width + x]);
  }
  return out;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Centre of mass (x, y) of non-negative values in a width×height grid. */
export function centreOfMass(values: ArrayLike<number>, width: number): { x: number; y: number } {
  let [sum, sx, sy] = [0, 0, 0];
  for (let p = 0; p < values.length; p++) {
    sum += values[p];
    sx += values[p] * (p % width);
    sy += values[p] * Math.floor(p / width);
  }
  return sum > 0 ? { x: sx / sum, y: sy / sum } : { x: (width - 1) / 2, y: (values.length / width - 1) / 2 };
}

/** The smallest box holding every value above `threshold`, or undefined for none. */
export function inkBox(values: ArrayLike<number>, width: number, threshold = 0): { left: number; top: number; width: number; height: number } | undefined {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
  for (let p = 0; p < values.length; p++) {
    if (values[p] <= threshold) continue;
    const [x, y] = [p % width, Math.floor(p / width)];
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  }
  return x1 < 0 ? undefined : { left: x0, top: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

export async function normaliseImage(bytes: Buffer, path: string, frame: GreyFrame): Promise<NormalisedImage> {
  const { grey, width, height, format } = await decodeGrey(bytes, path);
  // MNIST stores light ink on a dark ground; a mostly light border is dark ink on paper.
  const invert = median(borderValues(grey, width, height)) > 127;
  const ink = Float64Array.from(grey, (g) => (invert ? 255 - g : g));
  const steps = [`${width}×${height} ${format}`, ...(invert ? ['inverted (dark ink on light)'] : [])];
  if (width === frame.width && height === frame.height) {
    // Already the model's size: taken as drawn (a dataset image round-trips exactly).
    return { ink, note: `${path}: ${steps.join(', ')}, used as it is (the model's size)` };
  }
  // The ground becomes 0 and the strongest ink 255; faint texture below the floor is dropped.
  const ground = median(borderValues(ink, width, height));
  const top = ink.reduce((a, b) => Math.max(a, b), 0);
  const range = top - ground;
  if (range < 16) throw new SdtError(`input ${path} shows no ink: its grey levels vary by less than 16 of 255.`);
  const cleaned = Uint8Array.from(ink, (v) => {
    const t = (v - ground) / range;
    return t <= NOISE_FLOOR ? 0 : Math.round(255 * Math.min(1, (t - NOISE_FLOOR) / (1 - NOISE_FLOOR)));
  });
  const box = inkBox(cleaned, width)!;
  const limit = Math.round(BOX_SHARE * Math.min(frame.width, frame.height));
  const scale = limit / Math.max(box.width, box.height);
  const fitted = { width: Math.max(1, Math.round(box.width * scale)), height: Math.max(1, Math.round(box.height * scale)) };
  const { data, info } = await sharp(Buffer.from(cleaned), { raw: { width, height, channels: 1 } })
    .extract(box)
    .resize(fitted.width, fitted.height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const resized = Uint8Array.from({ length: fitted.width * fitted.height }, (_, p) => data[p * info.channels]);
  // Shift by whole pixels so the centre of mass lands on pixel (w/2, h/2), (14, 14) as in
  // MNIST (its training images' mean centre of mass is (14.01, 14.00)); the box kept inside.
  const mass = centreOfMass(resized, fitted.width);
  const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi, v));
  const left = clamp(Math.round(frame.width / 2 - mass.x), frame.width - fitted.width);
  const topRow = clamp(Math.round(frame.height / 2 - mass.y), frame.height - fitted.height);
  const out = new Float64Array(frame.width * frame.height);
  for (let y = 0; y < fitted.height; y++) {
    for (let x = 0; x < fitted.width; x++) out[(topRow + y) * frame.width + left + x] = resized[y * fitted.width + x];
  }
  steps.push(`cropped to the ink (${box.width}×${box.height} px)`, `fitted into ${limit}×${limit}`, `centred by centre of mass in ${frame.width}×${frame.height}`);
  return { ink: out, note: `${path}: ${steps.join(', ')}` };
}
