/**
 * The drawing pad of the interactive page: draw with mouse, pen or finger (pointer events),
 * or drop or choose a picture. Its grey levels go through `normalise` — the source text of
 * src/data/mnistNormalise.ts, the code `sdt explain --input` runs — and every change calls
 * `onInput` (while drawing at most once a frame, and once more when a stroke ends). "Save"
 * offers the drawn pixels as a PNG for `sdt explain --input`. Shipped as this function's
 * source text: it must stay self-contained (no imports, no outside names).
 */
import type { MnistNormaliser } from '../../src/data/mnistNormalise.js';

export type PadInput = ReturnType<MnistNormaliser['normalise']>;

export function createPad(frame: { width: number; height: number }, normalise: MnistNormaliser['normalise'], onInput: (input: PadInput, source: string) => void) {
  /** Pen width on the 280-pixel pad: MNIST's strokes are about an eighth of a digit's height. */
  const PEN = 18;
  const canvas = document.getElementById('pad-canvas') as HTMLCanvasElement;
  const save = document.getElementById('pad-save') as HTMLAnchorElement;
  const note = document.getElementById('pad-note')!;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;

  const blank = () => {
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };

  /**
   * Grey levels of RGBA pixels on white paper, as libvips's greyscale (sharp, in the CLI)
   * makes them: the luminance of linear sRGB (Rec. 709 weights), encoded back to sRGB;
   * neutral greys stay as they are.
   */
  const greyLevels = (rgba: Uint8ClampedArray) => {
    const linear = (v: number) => (v <= 10.31475 ? v / 3294.6 : ((v / 255 + 0.055) / 1.055) ** 2.4);
    const encode = (y: number) => 255 * (y <= 0.0031308 ? 12.92 * y : 1.055 * y ** (1 / 2.4) - 0.055);
    const grey = new Uint8Array(rgba.length / 4);
    for (let p = 0; p < grey.length; p++) {
      const [r, g, b] = [rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2]];
      grey[p] = r === g && g === b ? r : Math.round(encode(0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)));
    }
    return grey;
  };

  const read = (source: HTMLCanvasElement, name: string) => {
    const context = source.getContext('2d', { willReadFrequently: true })!;
    const grey = greyLevels(context.getImageData(0, 0, source.width, source.height).data);
    onInput(normalise(grey, source.width, source.height, frame), name);
  };

  const finish = () => {
    save.href = canvas.toDataURL('image/png');
    read(canvas, 'your drawing');
  };

  let last: { x: number; y: number } | null = null;
  let pending = false;
  const at = (event: PointerEvent) => {
    const box = canvas.getBoundingClientRect();
    return { x: ((event.clientX - box.left) * canvas.width) / box.width, y: ((event.clientY - box.top) * canvas.height) / box.height };
  };
  const line = (from: { x: number; y: number }, to: { x: number; y: number }) => {
    ctx.strokeStyle = ctx.fillStyle = '#000000';
    ctx.lineWidth = PEN;
    ctx.lineCap = ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  };
  const soon = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      if (last) read(canvas, 'your drawing');
    });
  };

  canvas.addEventListener('pointerdown', (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    last = at(event);
    ctx.beginPath();
    ctx.arc(last.x, last.y, PEN / 2, 0, 2 * Math.PI);
    ctx.fillStyle = '#000000';
    ctx.fill();
    soon();
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!last) return;
    const here = at(event);
    line(last, here);
    last = here;
    soon();
  });
  const end = () => {
    if (!last) return;
    last = null;
    finish();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  document.getElementById('pad-clear')!.addEventListener('click', () => {
    blank();
    finish();
  });

  /** A picture at its own size (transparency on white paper, as the CLI flattens it), shown fitted in the pad. */
  const load = async (file: File) => {
    try {
      const bitmap = await createImageBitmap(file);
      const full = document.createElement('canvas');
      [full.width, full.height] = [bitmap.width, bitmap.height];
      const context = full.getContext('2d', { willReadFrequently: true })!;
      context.fillStyle = '#ffffff';
      context.fillRect(0, 0, full.width, full.height);
      context.drawImage(bitmap, 0, 0);
      blank();
      const s = Math.min(canvas.width / bitmap.width, canvas.height / bitmap.height);
      ctx.drawImage(full, (canvas.width - bitmap.width * s) / 2, (canvas.height - bitmap.height * s) / 2, bitmap.width * s, bitmap.height * s);
      save.href = canvas.toDataURL('image/png');
      read(full, `picture ${file.name}`);
    } catch {
      note.textContent = `${file.name} is not a picture this browser can read.`;
    }
  };
  const chooser = document.getElementById('pad-file') as HTMLInputElement;
  chooser.addEventListener('change', () => {
    if (chooser.files?.[0]) void load(chooser.files[0]);
    chooser.value = '';
  });
  canvas.addEventListener('dragover', (event) => event.preventDefault());
  canvas.addEventListener('drop', (event) => {
    event.preventDefault();
    const file = event.dataTransfer?.files[0];
    if (file) void load(file);
  });

  blank();
  save.href = canvas.toDataURL('image/png');
}
