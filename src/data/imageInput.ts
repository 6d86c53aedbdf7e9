/**
 * A user's picture (PNG, JPEG or WebP, any size; a photo of a digit on paper, a screenshot)
 * made into the model's input the way MNIST itself was made: sharp (libvips) decodes it to
 * grey levels, and mnistNormalise.ts — the same code the interactive page runs on a drawing —
 * inverts, crops, fits and centres it.
 */
import sharp from 'sharp';
import { SdtError } from '../errors.js';
import { createMnistNormaliser } from './mnistNormalise.js';

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

const mnist = createMnistNormaliser();
export const { centreOfMass, inkBox } = mnist;

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

export async function normaliseImage(bytes: Buffer, path: string, frame: GreyFrame): Promise<NormalisedImage> {
  const { grey, width, height, format } = await decodeGrey(bytes, path);
  const { ink, inverted, asIs, crop, limit } = mnist.normalise(grey, width, height, frame);
  const steps = [`${width}×${height} ${format}`, ...(inverted ? ['inverted (dark ink on light)'] : [])];
  if (!ink) throw new SdtError(`input ${path} shows no ink: its grey levels vary by less than 16 of 255.`);
  if (asIs) return { ink, note: `${path}: ${steps.join(', ')}, used as it is (the model's size)` };
  steps.push(`cropped to the ink (${crop!.width}×${crop!.height} px)`, `fitted into ${limit}×${limit}`, `centred by centre of mass in ${frame.width}×${frame.height}`);
  return { ink, note: `${path}: ${steps.join(', ')}` };
}
