/**
 * Seeded image distortions for transfer sets: a random affine map (rotation, shift, scale,
 * shear) and optionally an elastic field (Simard et al. 2003), sampled bilinearly. Pure: the
 * same images, strength and generator give the same output on every machine.
 */
import type { Random } from '../random.js';

export interface AugmentStrength {
  /** Largest rotation, degrees (uniform in ±rotation). */
  rotation: number;
  /** Largest shift, pixels, per axis. */
  shift: number;
  /** Largest relative change of size: the scale is uniform in [1 − scale, 1 + scale]. */
  scale: number;
  /** Largest shear, degrees. */
  shear: number;
  /** Elastic displacement α in pixels (0: none); the field is smoothed with σ = 4 px. */
  elastic: number;
}

/** The "mild" distortion: the one that kept the teacher 98.8 % right. */
export const MILD: AugmentStrength = { rotation: 6, shift: 1, scale: 0.1, shear: 0, elastic: 0 };

/** Each strength's largest allowed value (the options' ranges) and what it is. */
export const AUGMENT_LIMITS: Record<keyof AugmentStrength, { max: number; what: string }> = {
  rotation: { max: 180, what: 'largest rotation (degrees)' },
  shift: { max: 100, what: 'largest shift per axis (pixels)' },
  scale: { max: 0.9, what: 'largest relative change of size' },
  shear: { max: 60, what: 'largest shear (degrees)' },
  elastic: { max: 100, what: 'elastic displacement (pixels; 0: none)' },
};

const uniform = (random: Random, half: number) => (2 * random() - 1) * half;

/** Value of the channel-`c` image `src` ([h, w, channels]) at real coordinates (r, q), 0 outside. */
function bilinear(src: Float32Array, h: number, w: number, channels: number, c: number, r: number, q: number): number {
  const r0 = Math.floor(r);
  const q0 = Math.floor(q);
  const fr = r - r0;
  const fq = q - q0;
  const at = (i: number, j: number) => (i < 0 || j < 0 || i >= h || j >= w ? 0 : src[(i * w + j) * channels + c]);
  return (1 - fr) * ((1 - fq) * at(r0, q0) + fq * at(r0, q0 + 1)) + fr * ((1 - fq) * at(r0 + 1, q0) + fq * at(r0 + 1, q0 + 1));
}

/** A displacement field of uniform noise in ±1 smoothed by a separable Gaussian, scaled to α. */
function elasticField(h: number, w: number, alpha: number, random: Random): Float32Array {
  const sigma = 4;
  const radius = Math.ceil(3 * sigma);
  const kernel = Float32Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const norm = kernel.reduce((a, b) => a + b, 0);
  const field = new Float32Array(h * w * 2); // (dr, dq) per pixel
  for (let i = 0; i < field.length; i++) field[i] = 2 * random() - 1;
  const blur = (step: number, count: number, stride: number) => {
    const tmp = new Float32Array(field.length);
    for (let p = 0; p < h * w; p++) {
      const pos = Math.floor(p / stride) % count;
      for (let d = 0; d < 2; d++) {
        let s = 0;
        for (let k = -radius; k <= radius; k++) if (pos + k >= 0 && pos + k < count) s += kernel[k + radius] * field[(p + k * step) * 2 + d];
        tmp[p * 2 + d] = s / norm;
      }
    }
    field.set(tmp);
  };
  blur(1, w, 1); // along rows
  blur(w, h, w); // along columns
  // Scale so the field's largest displacement is α pixels.
  let max = 1e-12;
  for (const v of field) max = Math.max(max, Math.abs(v));
  for (let i = 0; i < field.length; i++) field[i] *= alpha / max;
  return field;
}

/**
 * A distorted copy of `image` ([h, w, channels], row-major): each output pixel (r, q) reads the
 * input at A⁻¹((r, q) − centre − t) + centre (+ elastic displacement), so the digit rotates,
 * shears and scales about the image centre and moves by t.
 */
export function augmentImage(image: Float32Array, shape: number[], strength: AugmentStrength, random: Random): Float32Array {
  const [h, w, channels] = shape;
  const angle = (uniform(random, strength.rotation) * Math.PI) / 180;
  const shear = (uniform(random, strength.shear) * Math.PI) / 180;
  const s = 1 + uniform(random, strength.scale);
  const [tr, tq] = [uniform(random, strength.shift), uniform(random, strength.shift)];
  const field = strength.elastic > 0 ? elasticField(h, w, strength.elastic, random) : null;
  // Forward map A = s · R(angle) · Shear(shear); its inverse, written out for 2×2.
  const [cos, sin, tan] = [Math.cos(angle), Math.sin(angle), Math.tan(shear)];
  const a = [s * cos, s * (cos * tan - sin), s * sin, s * (sin * tan + cos)]; // [a00, a01, a10, a11] in (row, col)
  const det = a[0] * a[3] - a[1] * a[2];
  const inv = [a[3] / det, -a[1] / det, -a[2] / det, a[0] / det];
  const [cr, cq] = [(h - 1) / 2, (w - 1) / 2];
  const out = new Float32Array(image.length);
  for (let r = 0; r < h; r++) {
    for (let q = 0; q < w; q++) {
      const p = r * w + q;
      const dr = r - cr - tr + (field ? field[p * 2] : 0);
      const dq = q - cq - tq + (field ? field[p * 2 + 1] : 0);
      const sr = inv[0] * dr + inv[1] * dq + cr;
      const sq = inv[2] * dr + inv[3] * dq + cq;
      for (let c = 0; c < channels; c++) out[p * channels + c] = bilinear(image, h, w, channels, c, sr, sq);
    }
  }
  return out;
}
