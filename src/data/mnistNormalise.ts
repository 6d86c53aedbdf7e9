/**
 * The arithmetic of making a picture into an MNIST-style input (LeCun et al.), once grey
 * levels are decoded: light ink on a dark ground, cropped to the ink, fitted into a 20×20
 * box (aspect kept, anti-aliased) and placed in the 28×28 frame so that its centre of mass
 * is the frame's centre. `sdt explain --input` runs it after sharp decodes a file
 * (imageInput.ts), and the interactive page (viz/page.ts) ships this function's own source
 * text and runs it on the pixels drawn in it, so page and CLI agree to the pixel. Hence it
 * must stay self-contained: no imports, no names from outside its body. That is also why
 * the resampling is written here rather than left to sharp: the page cannot run libvips.
 */
export function createMnistNormaliser() {
  /** MNIST's proportions: the ink fits a 20-pixel box in a 28-pixel frame. */
  const BOX_SHARE = 20 / 28;
  /** Ink fainter than this share of the range above the ground is paper texture or JPEG noise. */
  const NOISE_FLOOR = 0.15;

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

  const borderValues = (values: ArrayLike<number>, width: number, height: number): number[] => {
    const out: number[] = [];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) if (y === 0 || x === 0 || y === height - 1 || x === width - 1) out.push(values[y * width + x]);
    }
    return out;
  };

  /** Centre of mass (x, y) of non-negative values in a width×height grid. */
  const centreOfMass = (values: ArrayLike<number>, width: number): { x: number; y: number } => {
    let [sum, sx, sy] = [0, 0, 0];
    for (let p = 0; p < values.length; p++) {
      sum += values[p];
      sx += values[p] * (p % width);
      sy += values[p] * Math.floor(p / width);
    }
    return sum > 0 ? { x: sx / sum, y: sy / sum } : { x: (width - 1) / 2, y: (values.length / width - 1) / 2 };
  };

  /** The smallest box holding every value above `threshold`, or undefined for none. */
  const inkBox = (values: ArrayLike<number>, width: number, threshold = 0): { left: number; top: number; width: number; height: number } | undefined => {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
    for (let p = 0; p < values.length; p++) {
      if (values[p] <= threshold) continue;
      const [x, y] = [p % width, Math.floor(p / width)];
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
    return x1 < 0 ? undefined : { left: x0, top: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  };

  /**
   * Weights of a linear (triangle) filter taking n samples to m along one axis: bilinear when
   * enlarging, and when shrinking a triangle widened by n/m so every input pixel counts
   * (anti-aliased). Pixel centres are aligned: output i sits at input (i + ½)·n/m − ½.
   */
  const taps = (n: number, m: number) => {
    const ratio = n / m;
    const support = Math.max(1, ratio);
    return Array.from({ length: m }, (_, i) => {
      const centre = (i + 0.5) * ratio - 0.5;
      const from = Math.max(0, Math.ceil(centre - support));
      const to = Math.min(n - 1, Math.floor(centre + support));
      const weights: number[] = [];
      for (let t = from; t <= to; t++) weights.push(Math.max(0, 1 - Math.abs(t - centre) / support));
      const sum = weights.reduce((a, b) => a + b, 0);
      return { from, weights: weights.map((w) => w / sum) };
    });
  };

  /** The box of `values` (row-major, `width` wide) resampled to outWidth×outHeight, rounded to whole grey levels. */
  const resize = (values: ArrayLike<number>, width: number, box: { left: number; top: number; width: number; height: number }, outWidth: number, outHeight: number) => {
    const across = taps(box.width, outWidth);
    const down = taps(box.height, outHeight);
    const rows = new Float64Array(box.height * outWidth); // [box.height, outWidth]
    for (let y = 0; y < box.height; y++) {
      const row = (box.top + y) * width + box.left;
      across.forEach(({ from, weights }, x) => {
        let s = 0;
        weights.forEach((w, k) => (s += w * values[row + from + k]));
        rows[y * outWidth + x] = s;
      });
    }
    const out = new Float64Array(outWidth * outHeight);
    down.forEach(({ from, weights }, y) => {
      for (let x = 0; x < outWidth; x++) {
        let s = 0;
        weights.forEach((w, k) => (s += w * rows[(from + k) * outWidth + x]));
        out[y * outWidth + x] = Math.max(0, Math.min(255, Math.round(s)));
      }
    });
    return out;
  };

  /**
   * Grey levels 0–255 (row-major, width×height) to ink 0–255 in the frame (0 ground, 255
   * ink). `ink` is null when the picture shows none (its grey levels vary by less than 16).
   */
  const normalise = (grey: ArrayLike<number>, width: number, height: number, frame: { width: number; height: number }) => {
    // MNIST stores light ink on a dark ground; a mostly light border is dark ink on paper.
    const inverted = median(borderValues(grey, width, height)) > 127;
    const ink = Float64Array.from(grey, (g) => (inverted ? 255 - g : g));
    // Already the model's size: taken as drawn (a dataset image round-trips exactly).
    if (width === frame.width && height === frame.height) return { ink, inverted, asIs: true, crop: undefined, limit: undefined };
    // The ground becomes 0 and the strongest ink 255; faint texture below the floor is dropped.
    const ground = median(borderValues(ink, width, height));
    const top = ink.reduce((a, b) => Math.max(a, b), 0);
    const range = top - ground;
    if (range < 16) return { ink: null, inverted, asIs: false, crop: undefined, limit: undefined };
    const cleaned = Uint8Array.from(ink, (v) => {
      const t = (v - ground) / range;
      return t <= NOISE_FLOOR ? 0 : Math.round(255 * Math.min(1, (t - NOISE_FLOOR) / (1 - NOISE_FLOOR)));
    });
    const crop = inkBox(cleaned, width)!;
    const limit = Math.round(BOX_SHARE * Math.min(frame.width, frame.height));
    const scale = limit / Math.max(crop.width, crop.height);
    const fitted = { width: Math.max(1, Math.round(crop.width * scale)), height: Math.max(1, Math.round(crop.height * scale)) };
    const resized = resize(cleaned, width, crop, fitted.width, fitted.height);
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
    return { ink: out, inverted, asIs: false, crop, limit };
  };

  return { normalise, centreOfMass, inkBox };
}

export type MnistNormaliser = ReturnType<typeof createMnistNormaliser>;
