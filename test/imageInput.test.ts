import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/datasets.js';
import { centreOfMass, inkBox, normaliseImage } from '../src/data/imageInput.js';

const scratch = mkdtempSync(join(tmpdir(), 'sdt-image-'));
const frame = { width: 28, height: 28 };

/** A hand-drawn-looking 4: dark strokes on light paper, placed off-centre in a canvas of odd size. */
function digitSvg(width: number, height: number, ink = '#1a1a1a', paper = '#f4f1e8'): string {
  const s = Math.min(width, height) / 400;
  const [dx, dy] = [width * 0.55, height * 0.2];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
<rect width="100%" height="100%" fill="${paper}"/>
<g transform="translate(${dx},${dy}) scale(${s})" fill="none" stroke="${ink}" stroke-width="28" stroke-linecap="round" stroke-linejoin="round">
<path d="M 60 0 L 0 150 L 130 150"/><path d="M 100 40 L 100 260"/></g></svg>`;
}

async function drawn(format: 'png' | 'jpeg' | 'webp', width: number, height: number): Promise<Buffer> {
  return sharp(Buffer.from(digitSvg(width, height))).toFormat(format).toBuffer();
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const mean = (v: ArrayLike<number>) => Array.from(v).reduce((s, x) => s + x, 0) / v.length;
  const [ma, mb] = [mean(a), mean(b)];
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('normaliseImage: the MNIST recipe on pictures of any size', () => {
  it.each([
    ['png', 301, 417],
    ['jpeg', 640, 479],
    ['webp', 97, 133],
  ] as const)('a dark-on-light %s of %i×%i becomes light ink, fitted into 20×20, centred by mass in 28×28', async (format, width, height) => {
    const bytes = await drawn(format, width, height);
    writeFileSync(join(scratch, `four.${format}`), bytes);
    const { ink, note } = await normaliseImage(bytes, `four.${format}`, frame);
    expect(ink).toHaveLength(784);
    expect(note).toMatch(/inverted/);
    expect(note).toContain(`${width}×${height} ${format === 'jpeg' ? 'JPEG' : format.toUpperCase()}`);
    // Ink is light on a dark ground: the corners are empty, the strongest pixels full.
    expect(Math.max(...ink)).toBeGreaterThan(200);
    expect([ink[0], ink[27], ink[756], ink[783]]).toEqual([0, 0, 0, 0]);
    const box = inkBox(ink, 28)!;
    expect(Math.max(box.width, box.height)).toBeGreaterThanOrEqual(18);
    expect(Math.max(box.width, box.height)).toBeLessThanOrEqual(20);
    const mass = centreOfMass(ink, 28);
    // MNIST's own centre: its training images' mean centre of mass is (14.01, 14.00).
    expect(Math.abs(mass.x - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(mass.y - 14)).toBeLessThanOrEqual(0.5);
  });

  it('gives nearly the same input whatever the format and size of the same drawing', async () => {
    const a = (await normaliseImage(await drawn('png', 301, 417), 'a.png', frame)).ink;
    const b = (await normaliseImage(await drawn('jpeg', 640, 479), 'b.jpg', frame)).ink;
    const c = (await normaliseImage(await drawn('webp', 97, 133), 'c.webp', frame)).ink;
    expect(correlation(a, b)).toBeGreaterThan(0.85);
    expect(correlation(a, c)).toBeGreaterThan(0.85);
  });

  it('recovers an MNIST digit from an enlarged, inverted JPEG of it', async () => {
    const test = loadDataset('mnist', { limit: 20 }).test;
    for (const e of [0, 7, 13]) {
      const pixels = Uint8Array.from(test.x.subarray(e * 784, (e + 1) * 784), (v) => 255 - Math.round(v * 255));
      const photo = await sharp(Buffer.from(pixels), { raw: { width: 28, height: 28, channels: 1 } }).resize(263, 263).extend({ top: 40, left: 90, bottom: 12, right: 7, background: '#ffffff' }).jpeg().toBuffer();
      const { ink } = await normaliseImage(photo, 'photo.jpg', frame);
      expect(correlation(ink, test.x.subarray(e * 784, (e + 1) * 784)), `test example ${e}`).toBeGreaterThan(0.8);
    }
  });

  it('uses an image of exactly the model\'s size as drawn (inverted when dark on light)', async () => {
    const test = loadDataset('mnist', { limit: 5 }).test;
    const pixels = Uint8Array.from(test.x.subarray(784, 1568), (v) => Math.round(v * 255));
    const paper = await sharp(Buffer.from(pixels.map((v) => 255 - v)), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
    const { ink, note } = await normaliseImage(paper, 'paper.png', frame);
    expect(Array.from(ink)).toEqual(Array.from(pixels));
    expect(note).toMatch(/used as it is/);
  });

  it('refuses a blank picture and a file that is no image, in one sentence naming the file', async () => {
    const blank = await sharp({ create: { width: 50, height: 40, channels: 3, background: '#ffffff' } }).png().toBuffer();
    await expect(normaliseImage(blank, 'blank.png', frame)).rejects.toThrow(/input blank\.png shows no ink/);
    await expect(normaliseImage(Buffer.from('not a picture'), 'notes.jpg', frame)).rejects.toThrow(/input notes\.jpg is not an image sharp can read/);
  });
});
