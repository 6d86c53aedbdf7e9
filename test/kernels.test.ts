import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxPoolGradConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/MaxPoolGrad.js';
import { sumConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Sum.js';
import { initBackend } from '../src/backend.js';
import { cnnShapeOf } from '../src/models/cnnGraphs.js';
import { createMlpTeacher } from '../src/models/mlpTeacher.js';
import { createTeacher, teacherLearner, teacherLogits } from '../src/models/teacher.js';
import { randomSource } from '../src/random.js';
import { type ConvCase, gradients, product, programCases, relativeError } from './kernelCases.js';
import { sdt } from './run.js';

describe('wasm convolution gradients', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  const random = randomSource(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
  const cases: ConvCase[] = [];
  for (const stride of [1, 2])
    for (const pad of ['same', 'valid'] as const)
      for (let i = 0; i < 3; i++)
        cases.push({ n: pick([1, 2, 3]), h: pick([7, 8, 11, 28]), w: pick([6, 9, 13]), ci: pick([1, 3, 8]), co: pick([1, 4, 16]), k: pick([1, 2, 3, 5]), stride, pad });

  it.each(cases)('Conv2DBackpropFilter and Conv2DBackpropInput match cpu: %o', async (c) => {
    const seed = c.n * 1000 + c.h * 10 + c.k;
    const reference = await gradients('cpu', c, seed);
    const wasm = await gradients('wasm', c, seed);
    expect(tf.getBackend()).toBe('wasm');
    expect(relativeError(wasm.dw, reference.dw)).toBeLessThan(1e-4);
    expect(relativeError(wasm.dx, reference.dx)).toBeLessThan(1e-4);
  });

  it.each([
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[2, 7, 5], [2, 3, 7], true, true],
    [[4, 6, 5], [1, 6, 3], true, false],
    ...programCases.products.map((c) => [c.a, c.b, c.transposeA, c.transposeB, c.fused]),
  ])('BatchMatMul %o × %o (transposeA %s, transposeB %s; with bias and relu: %s) matches cpu', async (a, b, transposeA, transposeB, fused = false) => {
    const c = { a, b, transposeA, transposeB, fused } as Parameters<typeof product>[1];
    const reference = await product('cpu', c);
    const before = (await tf.setBackend('wasm'), tf.memory().numTensors);
    expect(relativeError(await product('wasm', c), reference)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a fused convolution with a bias and relu (FusedConv2D) matches cpu', async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const random = randomSource(5);
      const make = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => random() * 2 - 1), shape);
      const [x, filter, bias] = [make([2, 9, 9, 3]), make([3, 3, 3, 8]), make([8])];
      const y = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 1, pad: 'same', bias, activation: 'relu' });
      const values = (await y.data()) as Float32Array;
      tf.dispose([x, filter, bias, y]);
      return values;
    };
    const reference = await run('cpu');
    expect(relativeError(await run('wasm'), reference)).toBeLessThan(1e-5);
  });

  /** The bits of a kernel's output (as a flat list of 32-bit words). */
  const bits = async (t: tf.Tensor) => Array.from(new Uint32Array(((await t.data()) as Float32Array).slice().buffer));

  /** What the backend's own kernel (before sdt's replacement) gives. */
  function builtin(config: tf.KernelConfig, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor {
    const backend = tf.backend();
    config.setupFunc?.(backend);
    const info = config.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
    return tf.engine().makeTensorFromTensorInfo(info);
  }

  it.each([
    ['random values', [2, 8, 6, 3], 2, 2, (r: number) => r * 2 - 1],
    ['ties among 0, 1 and 2', [3, 6, 6, 4], 2, 2, (r: number) => Math.floor(r * 3)],
    ['rectified values (windows of zeros)', [2, 12, 10, 5], 2, 2, (r: number) => Math.max(0, r - 0.6)],
    ['all negative', [1, 4, 4, 2], 2, 2, (r: number) => -1 - r],
    ['3×3 windows, odd sizes left over', [2, 10, 11, 3], 3, 3, (r: number) => Math.floor(r * 4) - 1],
    ['overlapping windows (the builtin)', [2, 7, 7, 2], 3, 1, (r: number) => r],
    // Multiples of four channels take the wasm SIMD path.
    ['SIMD: random values', [3, 8, 6, 8], 2, 2, (r: number) => r * 2 - 1],
    ['SIMD: ties among 0, 1 and 2', [2, 6, 6, 4], 2, 2, (r: number) => Math.floor(r * 3)],
    ['SIMD: rectified values, a row and a column left over', [2, 13, 11, 12], 2, 2, (r: number) => Math.max(0, r - 0.6)],
    ['SIMD: all negative', [1, 4, 4, 4], 2, 2, (r: number) => -1 - r],
    ['SIMD: 3×2 windows, non-square', [1, 9, 8, 16], [3, 2], [3, 2], (r: number) => Math.floor(r * 4) - 1],
  ] as [string, number[], number | [number, number], number | [number, number], (r: number) => number][])('MaxPoolGrad gives the builtin kernel\'s bits: %s', async (_, shape, size, stride, value) => {
    await tf.setBackend('wasm');
    const random = randomSource([size].flat()[0] * 100 + shape[1]);
    const x = tf.tensor4d(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => value(random())), shape as [number, number, number, number]);
    const y = tf.maxPool(x, size, stride, 'valid');
    const dy = tf.tensor(Float32Array.from({ length: y.size }, () => random() * 2 - 1), y.shape);
    const attrs = { filterSize: size, strides: stride, pad: 'valid', dimRoundingMode: undefined };
    const ours = tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    const reference = builtin(maxPoolGradConfig, { dy, input: x, output: y }, attrs);
    expect(await bits(ours)).toEqual(await bits(reference));
    tf.dispose([x, y, dy, ours, reference]);
  });

  it.each([
    [[64, 5, 6, 3], [0, 1, 2], false],
    [[64, 5, 6, 3], [2, 0, 1], true],
    [[300, 7], [0], false],
    [[9, 8, 7], [0, 1], true],
    [[9, 8, 7], [1], false], // not leading: the builtin
    [[9, 8, 7], [0, 2], false], // not leading: the builtin
    [[16, 14, 14, 64], [0, 1, 2], false], // columns a multiple of 4: wasm SIMD
    [[7, 3, 8], [0], true],
  ])('Sum of %o over axes %o (keepDims %s) gives the builtin kernel\'s bits', async (shape, axis, keepDims) => {
    await tf.setBackend('wasm');
    const random = randomSource(shape.length * 10 + axis.length);
    // Magnitudes from 1e-4 to 1e4: a different order of additions would change the bits.
    const x = tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (random() - 0.5) * 10 ** (8 * random() - 4)), shape);
    const ours = tf.sum(x, axis, keepDims);
    expect(ours.shape).toEqual(keepDims ? shape.map((d, i) => (axis.includes(i) ? 1 : d)) : shape.filter((_, i) => !axis.includes(i)));
    // The builtin moves the reduced axes innermost (its own transpose) and sums there.
    const kept = shape.map((_, i) => i).filter((i) => !axis.includes(i));
    const moved = tf.transpose(x, [...kept, ...[...axis].sort()]);
    const reference = builtin(sumConfig, { x: moved }, { axis: axis.map((_, j) => kept.length + j), keepDims: false });
    expect(await bits(ours)).toEqual(await bits(reference));
    tf.dispose([x, ours, moved, reference]);
  });

  it('Identity and a Cast to the same dtype share the data, which lives while any of the tensors does', async () => {
    await tf.setBackend('wasm');
    const before = (tf.memory() as { numDataBuffers: number }).numDataBuffers;
    const buffers = () => (tf.memory() as { numDataBuffers: number }).numDataBuffers - before;
    const x = tf.tensor1d([1.5, -2, 3]);
    const [y, z] = [tf.clone(x), tf.cast(x, 'float32')];
    expect(buffers()).toBe(1); // one buffer, not three
    tf.dispose([x, y]);
    expect(Array.from(z.dataSync())).toEqual([1.5, -2, 3]);
    z.dispose();
    expect(buffers()).toBe(0);
    const converted = tf.cast(tf.tensor1d([1.7, -2.2]), 'int32');
    expect(converted.dtype).toBe('int32');
    expect(Array.from(converted.dataSync())).toEqual([1, -2]);
  });

  it('a conv training step leaks no tensors and lowers the loss', async () => {
    await tf.setBackend('wasm');
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'valid' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 3 }),
      ],
    });
    const optimizer = tf.train.adam(0.01);
    const random = randomSource(3);
    const xs = tf.tensor4d(Float32Array.from({ length: 16 * 144 }, () => random()), [16, 12, 12, 1]);
    const ys = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3), 'int32'), 3);
    const step = () => {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs) as tf.Tensor), true) as tf.Scalar;
      const value = loss.dataSync()[0];
      loss.dispose();
      return value;
    };
    const first = step(); // creates the optimizer's slots
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 20; i++) last = step();
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first);
  });
});

describe('the threaded wasm backend', () => {
  it('trains the teacher bit for bit as one thread does, records its threads, and lets the process exit', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'sdt-threads-'));
    const run = (threads: string) => {
      const out = join(scratch, `t${threads}`);
      // Batches of 32 and one of the rest: both kinds of filter gradient of cnnGraphs.ts.
      const result = sdt(['teacher', '--limit', '300', '--epochs', '1', '--batch-size', '32', '--quiet', '--out', out], { SDT_WASM_THREADS: threads });
      expect(result.code).toBe(0); // a pool worker keeping the process alive would time out here
      return { weights: readFileSync(join(out, 'weights.bin')), manifest: JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) };
    };
    const [one, two] = [run('1'), run('2')];
    expect(one.manifest.backend).toMatchObject({ name: 'wasm', threads: 1 });
    expect(two.manifest.backend).toMatchObject({ name: 'wasm', threads: 2 });
    expect(Buffer.compare(one.weights, two.weights)).toBe(0);
  }, 120_000);
});

describe('onnxruntime kernels', () => {
  /** test/kernelCases.ts run as a program under `env`: its JSON report. */
  const runCases = (env: Record<string, string>) => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./kernelCases.ts', import.meta.url))], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 120_000,
    });
    expect(result.status, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as { onnxruntime: boolean; threads: number; errors: number[]; bits: string[] };
  };

  it("run the convolutions and large products here, match cpu, and give the same bits on one thread and on two (the teacher's graphs too)", () => {
    const [one, two] = [runCases({ SDT_WASM_THREADS: '1' }), runCases({ SDT_WASM_THREADS: '2' })];
    expect(one).toMatchObject({ onnxruntime: true, threads: 1 });
    expect(two).toMatchObject({ onnxruntime: true, threads: 2 });
    for (const error of [...one.errors, ...two.errors]) expect(error).toBeLessThan(1e-4);
    expect(two.bits).toEqual(one.bits);
  }, 120_000);

  it('step aside with SDT_ONNXRUNTIME=0: the wasm kernels then match cpu as well, and the manifest says which ran', () => {
    const without = runCases({ SDT_ONNXRUNTIME: '0' });
    expect(without.onnxruntime).toBe(false);
    for (const error of without.errors) expect(error).toBeLessThan(1e-4);
    const scratch = mkdtempSync(join(tmpdir(), 'sdt-ort-'));
    const manifest = (env: Record<string, string>, name: string) => {
      const result = sdt(['teacher', '--limit', '200', '--epochs', '1', '--quiet', '--out', join(scratch, name)], env);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(readFileSync(join(scratch, name, 'manifest.json'), 'utf8'));
    };
    const [on, off] = [manifest({}, 'on'), manifest({ SDT_ONNXRUNTIME: '0' }, 'off')];
    expect(on.backend).toMatchObject({ name: 'wasm', onnxruntime: true });
    expect(on.versions['onnxruntime-node']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(off.backend).toMatchObject({ name: 'wasm', onnxruntime: false });
  }, 120_000);
});

describe('the CNN teacher as onnxruntime graphs', () => {
  beforeAll(async () => {
    expect((await initBackend('wasm')).onnxruntime).toBe(true);
  });

  /** conv(relu, same) + 2×2 pool blocks of `kernels` and `filters`, flatten, dense: the shape createTeacher builds, sized otherwise. */
  const convNet = (inputShape: number[], kernels: [number, number][], filters: number[], classes: number) =>
    tfl.sequential({
      layers: [
        ...kernels.flatMap((kernelSize, i) => [
          tfl.layers.conv2d({ ...(i === 0 ? { inputShape } : {}), filters: filters[i], kernelSize, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 7 + i }) }),
          tfl.layers.maxPooling2d({ poolSize: 2 }),
        ]),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: classes, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
      ],
    });
  // The teacher at a batch of 32 (the blocked filter gradient) and of 9 (the plain one); one
  // of odd size (the pools drop a row and a column) with two channels and three classes; and
  // one with an even and a non-square kernel (where 'same' pads one side more), 16 input
  // channels (a blocked first layer) and odd sizes on the blocked filter gradient.
  const models = [
    { name: 'the teacher, batch 32', model: () => createTeacher({ inputShape: [28, 28, 1], classes: 10, seed: 2 }), n: 32 },
    { name: 'the teacher, batch 9', model: () => createTeacher({ inputShape: [28, 28, 1], classes: 10, seed: 2 }), n: 9 },
    { name: '13×11×2, 3 classes', model: () => createTeacher({ inputShape: [13, 11, 2], classes: 3, seed: 2 }), n: 9 },
    { name: '10×7×16, kernels 4 and 3×2', model: () => convNet([10, 7, 16], [[4, 4], [3, 2]], [16, 32], 4), n: 16 },
  ];

  it.each(models.flatMap((m) => [0, 0.3].map((dropout) => ({ ...m, dropout }))))(
    'gives the loss and gradients of the gradient tape, dropout masks included: $name, dropout $dropout',
    ({ model: build, n, dropout }) => {
      const model = build();
      const inputShape = model.inputs[0].shape.slice(1) as number[];
      const classes = model.outputs[0].shape[1] as number;
      const learner = teacherLearner(model, dropout, 5);
      if (!('gradients' in learner)) throw new Error('the teacher trains through the tape, not the graph');
      const random = randomSource(4);
      const x = Float32Array.from({ length: n * inputShape.reduce((a, b) => a * b, 1) }, () => random());
      const targets = new Float32Array(n * classes);
      for (let i = 0; i < n; i++) targets[i * classes + (i % classes)] = 1;
      learner.beforeBatch?.(0.5);
      const ours = learner.gradients(x, targets, n);
      // The tape's step, as teacher.ts takes it without onnxruntime: the mask's seed is the step's.
      const maskSeed = 5 * 7919 + Math.round(0.5 * 2 ** 30);
      const { value, grads } = tf.variableGrads(() => {
        const h = model.layers.reduce((h, layer, i) => {
          const input = dropout > 0 && i === model.layers.length - 1 ? tf.dropout(h, dropout, undefined, maskSeed) : h;
          return layer.apply(input) as tf.Tensor;
        }, tf.tensor(x, [n, ...inputShape]));
        return tf.losses.softmaxCrossEntropy(tf.tensor2d(targets, [n, classes]), h) as tf.Scalar;
      }, learner.trainable);
      expect(ours.loss).toBeCloseTo(value.dataSync()[0], 5);
      learner.trainable.forEach((v, i) => expect(relativeError(ours.gradients[i], grads[v.name].dataSync() as Float32Array)).toBeLessThan(1e-5));
      tf.dispose([value, ...Object.values(grads)]);
    },
  );

  it.each(models.filter((m) => m.n === 9 || m.n === 16))("gives model.predict's logits, in one graph too, for 37 examples and for 1: $name", ({ model: build }) => {
    const model = build();
    const inputShape = model.inputs[0].shape.slice(1) as number[];
    const random = randomSource(8);
    for (const n of [37, 1]) {
      const x = Float32Array.from({ length: n * inputShape.reduce((a, b) => a * b, 1) }, () => random());
      const ours = teacherLogits(model, { x, y: new Int32Array(n), n });
      const reference = tf.tidy(() => (model.predict(tf.tensor(x, [n, ...inputShape])) as tf.Tensor).dataSync() as Float32Array);
      expect(relativeError(ours, reference)).toBeLessThan(1e-5);
    }
  });

  it('serves only the conv-relu-pool teacher; any other model keeps the tape', () => {
    expect(cnnShapeOf(createTeacher({ inputShape: [28, 28, 1], classes: 10, seed: 1 }))).toEqual({
      input: [28, 28, 1],
      blocks: [{ filters: 32, kernel: [5, 5] }, { filters: 64, kernel: [5, 5] }],
      classes: 10,
    });
    const mlp = createMlpTeacher({ inputShape: [16], classes: 3, seed: 1, hidden: [8] });
    expect(cnnShapeOf(mlp)).toBeNull();
    expect('loss' in teacherLearner(mlp)).toBe(true);
    const strided = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 3 }),
      ],
    });
    expect(cnnShapeOf(strided)).toBeNull();
    expect('loss' in teacherLearner(strided)).toBe(true);
    const channelsFirst = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten({ dataFormat: 'channelsFirst' }),
        tfl.layers.dense({ units: 3 }),
      ],
    });
    expect(cnnShapeOf(channelsFirst)).toBeNull();
    const frozen = createTeacher({ inputShape: [28, 28, 1], classes: 10, seed: 1 });
    frozen.layers[2].trainable = false;
    expect(cnnShapeOf(frozen)).toBeNull();
    expect('loss' in teacherLearner(frozen)).toBe(true);
  });
});
