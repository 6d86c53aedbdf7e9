/**
 * The CNN teacher as two ONNX graphs run by onnxruntime (kernels/onnxruntime.ts): its whole
 * training step (forward pass, loss and every gradient) and its forward pass alone, the
 * logits. Through tfjs the training step is about twenty kernels on the wasm backend, each
 * convolution transposed from NHWC to onnxruntime's NCHW and back; here the activations stay
 * in onnxruntime's memory from the input to the logits, in the NCHWc layout around each
 * convolution, its bias and relu fused, and only the weights and the batch cross. Measured
 * on the 2-core build machine (batch 128): a training step in about 105 ms against 225, and
 * the logits at about 7,700 images/s against 2,700 (bench/README.md has the committed runs).
 *
 * It serves the teacher createTeacher builds (teacher.ts): blocks of a 'same' convolution
 * with relu and a 2×2 max pool, then the dense layer of logits; `cnnShapeOf` says whether a
 * model is one. Per block b, with a_0 = x and a_{b+1} = p_b:
 *   c_b = conv(a_b, W_b) + bias_b,   r_b = relu(c_b),   p_b = maxpool2×2(r_b)
 *   z = dropout(flatten(p_B)) · W + bias,   loss = −(1/n) Σ_i Σ_k t_ik · log softmax(z_i)_k
 * and back, as tfjs differentiates it:
 *   dz = (softmax(z) − t) / n
 *   dc_b = the gradient of p_b at its window's max (the pool's indices), where that max > 0
 *   dW_b[kh, kw, ci, co] = Σ_{n, y, x} a_b[n, ci, y + kh − top, x + kw − left] · dc_b[n, co, y, x]
 *          (a convolution of a_b seen as [ci, n, H, W] with dc_b seen as [co, n, H, W])
 *   dbias_b = Σ dc_b,   da_b = conv(dc_b, W_b rotated by 180° with its channel axes swapped)
 * The same bits come out on any number of threads (tested).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { FLOAT, INT64, NCHWC, node, onnx, tensor, valueInfo } from '../kernels/onnxGraph.js';
import { nchwcBlock, runOnnxArrays } from '../kernels/onnxruntime.js';
import { dropoutMask } from './dropoutMask.js';

/** The teacher's sizes: input [H, W, C], each block's filters and kernel, the classes. */
export interface CnnShape {
  input: [number, number, number];
  blocks: { filters: number; kernel: [number, number] }[];
  classes: number;
}

type LayerConfig = Record<string, unknown>;
const pair = (v: unknown) => (Array.isArray(v) ? v : [v, v]).join(',');

/** The shape of `model` if it is conv(relu, same) + 2×2 max pool blocks, flatten and a dense layer; else null. */
export function cnnShapeOf(model: tfl.LayersModel): CnnShape | null {
  const layers = model.layers.map((layer) => ({ name: layer.getClassName(), config: layer.getConfig() as LayerConfig }));
  const blocks: CnnShape['blocks'] = [];
  let i = 0;
  for (; layers[i]?.name === 'Conv2D'; i += 2) {
    const conv = layers[i].config;
    const pool = layers[i + 1];
    const convFits = conv.activation === 'relu' && conv.padding === 'same' && pair(conv.strides) === '1,1' && pair(conv.dilationRate) === '1,1' && conv.useBias && conv.dataFormat === 'channelsLast';
    const poolFits = pool?.name === 'MaxPooling2D' && pair(pool.config.poolSize) === '2,2' && pair(pool.config.strides) === '2,2' && pool.config.padding === 'valid' && pool.config.dataFormat === 'channelsLast';
    if (!convFits || !poolFits) return null;
    blocks.push({ filters: conv.filters as number, kernel: (Array.isArray(conv.kernelSize) ? conv.kernelSize : [conv.kernelSize, conv.kernelSize]) as [number, number] });
  }
  const [flatten, dense] = layers.slice(i);
  if (blocks.length === 0 || layers.length !== i + 2 || flatten.name !== 'Flatten' || dense.name !== 'Dense') return null;
  // A channels-first Flatten reads the features in another order than the graph's.
  if ((flatten.config.dataFormat ?? 'channelsLast') !== 'channelsLast') return null;
  if (dense.config.activation !== 'linear' || !dense.config.useBias) return null;
  // The graphs take every weight and return every gradient; a frozen layer is the tape's to handle.
  if (model.layers.some((layer) => !layer.trainable)) return null;
  const input = model.inputs[0].shape.slice(1) as [number, number, number];
  return { input, blocks, classes: dense.config.units as number };
}

/** [height, width] of each block's convolution (its input's) and of the last pool's output. */
function sizes(shape: CnnShape): [number, number][] {
  return shape.blocks.reduce<[number, number][]>((out, _, b) => [...out, [Math.floor(out[b][0] / 2), Math.floor(out[b][1] / 2)]], [[shape.input[0], shape.input[1]]]);
}

type Io = [string, (number | string)[]][];

/** The weights' names and dimensions, in the order of the model's weights (layer by layer); the features the dense layer reads. */
function weightsOf(shape: CnnShape) {
  const [last] = sizes(shape).slice(-1);
  const features = last[0] * last[1] * shape.blocks[shape.blocks.length - 1].filters;
  const channels = [shape.input[2], ...shape.blocks.map((b) => b.filters)];
  const weights: Io = shape.blocks.flatMap((b, i): Io => [[`w${i}`, [...b.kernel, channels[i], b.filters]], [`b${i}`, [b.filters]]]);
  weights.push(['wd', [features, shape.classes]], ['bd', [shape.classes]]);
  return { weights, features, channels };
}

/** The logits graph's inputs and output; the batch n is any size. */
function inferenceIo(shape: CnnShape) {
  return { inputs: [['x', ['n', ...shape.input]], ...weightsOf(shape).weights] as Io, outputs: [['z', ['n', shape.classes]]] as Io };
}

/** The training graph's inputs and outputs: the logits graph's inputs, the targets, 1/n, the dropout mask; the loss and each weight's gradient. */
function trainingIo(shape: CnnShape, dropout: boolean) {
  const { weights, features } = weightsOf(shape);
  const inputs: Io = [...inferenceIo(shape).inputs, ['t', ['n', shape.classes]], ['invN', []], ...(dropout ? [['mask', ['n', features]] as Io[number]] : [])];
  const outputs: Io = [['loss', []], ...weights.map(([name, dims]): Io[number] => [`d${name}`, dims])];
  return { inputs, outputs };
}

const ints = (name: string, values: number[]) => tensor(name, [values.length], BigInt64Array.from(values, BigInt), INT64);
const float = (name: string, value: number) => tensor(name, [], Float32Array.of(value), FLOAT);
// 'same' padding at stride 1, as tfjs pads: the odd pixel goes after. ONNX order: [top, left, bottom, right].
const same = ([kh, kw]: [number, number]) => [Math.floor((kh - 1) / 2), Math.floor((kw - 1) / 2), kh - 1 - Math.floor((kh - 1) / 2), kw - 1 - Math.floor((kw - 1) / 2)];

/** A graph under construction: its nodes, its constants, and a convolution on the kernel asked for. */
function graphBuilder(block: number) {
  const nodes: ReturnType<typeof node>[] = [];
  const initializer: ReturnType<typeof tensor>[] = [];
  const add = (...args: Parameters<typeof node>) => nodes.push(node(...args));
  /** Whether a convolution from I to O channels fits onnxruntime's NCHWc block. */
  const fits = (I: number, O: number) => block > 1 && I % block === 0 && O % block === 0;
  /**
   * y = conv(x, W) + bias (then relu), NCHW in and out, W as [O, I, kh, kw]. `blocked` runs it
   * on onnxruntime's blocked-layout (NCHWc) kernel, with W reordered in the graph to
   * [O/b, I/b, kh, kw, b_i, b_o]: onnxruntime does that itself only for constant weights, and
   * training changes them every step. Measured on the build machine (batch 128, the teacher's
   * second layer): 16 ms against 28 forward, and 39 against 61 for its filter gradient.
   */
  const conv = (x: string, w: string, bias: string | null, y: string, o: { outChannels: number; kernel: [number, number]; pads: number[]; relu?: boolean; blocked: boolean }) => {
    const O = o.outChannels;
    if (!o.blocked) {
      add('Conv', [x, w, ...(bias ? [bias] : [])], [o.relu ? `${y}Linear` : y], { pads: o.pads });
      if (o.relu) add('Relu', [`${y}Linear`], [y]);
      return;
    }
    initializer.push(ints(`${y}Blocks`, [O / block, block, -1, block, ...o.kernel]), ints(`${y}Kernel`, [O, -1, ...o.kernel]));
    add('Reshape', [w, `${y}Blocks`], [`${y}W6`]);
    add('Transpose', [`${y}W6`], [`${y}W6Blocked`], { perm: [0, 2, 4, 5, 3, 1] });
    // The blocked kernel reads W's dimensions as [O, I, kh, kw]; its values are in the blocked order.
    add('Reshape', [`${y}W6Blocked`, `${y}Kernel`], [`${y}WBlocked`]);
    add('ReorderInput', [x], [`${y}X`], {}, NCHWC);
    const attributes = { pads: o.pads, kernel_shape: o.kernel, strides: [1, 1], dilations: [1, 1], group: 1 };
    add('Conv', [`${y}X`, `${y}WBlocked`, ...(bias ? [bias] : [])], [`${y}Blocked`], o.relu ? { ...attributes, activation: 'Relu' } : attributes, NCHWC);
    add('ReorderOutput', [`${y}Blocked`], [y], { channels: O }, NCHWC);
  };
  return { block, nodes, initializer, add, conv, fits };
}

type Builder = ReturnType<typeof graphBuilder>;

/**
 * The forward pass from x (NHWC) to the flattened features f: a_b, and with `indices` each
 * pool's argmax i_b, which the gradient needs.
 */
function forward(g: Builder, shape: CnnShape, indices: boolean): void {
  const { channels, features } = weightsOf(shape);
  const B = shape.blocks.length;
  g.add('Transpose', ['x'], ['a0'], { perm: [0, 3, 1, 2] });
  shape.blocks.forEach(({ filters, kernel }, b) => {
    g.add('Transpose', [`w${b}`], [`W${b}`], { perm: [3, 2, 0, 1] }); // [kh, kw, ci, co] → [co, ci, kh, kw]
    g.conv(`a${b}`, `W${b}`, `b${b}`, `r${b}`, { outChannels: filters, kernel, pads: same(kernel), relu: true, blocked: g.fits(channels[b], filters) });
    g.add('MaxPool', [`r${b}`], [`a${b + 1}`, ...(indices ? [`i${b}`] : [])], { kernel_shape: [2, 2], strides: [2, 2] });
  });
  g.add('Transpose', [`a${B}`], [`a${B}NHWC`], { perm: [0, 2, 3, 1] }); // flatten in tfjs's order
  g.initializer.push(ints('flat', [-1, features]));
  g.add('Reshape', [`a${B}NHWC`, 'flat'], ['f']);
}

/** z = f·W + bias, the softmax cross-entropy `loss`, and from dz = (softmax(z) − t)/n back to da_B, the last pool's gradient. */
function lossAndDense(g: Builder, shape: CnnShape, dropout: boolean): void {
  const { add } = g;
  const last = shape.blocks.length;
  const [h, w] = sizes(shape)[last];
  g.initializer.push(ints('axis0', [0]), ints('lastNHWC', [-1, h, w, shape.blocks[last - 1].filters]));
  const f = dropout ? 'fMasked' : 'f';
  if (dropout) add('Mul', ['f', 'mask'], ['fMasked']);
  add('Gemm', [f, 'wd', 'bd'], ['z']);
  add('LogSoftmax', ['z'], ['logp'], { axis: 1 });
  add('Mul', ['t', 'logp'], ['tlogp']);
  add('ReduceSum', ['tlogp'], ['sum'], { keepdims: 0 });
  add('Mul', ['sum', 'invN'], ['meanSum']);
  add('Neg', ['meanSum'], ['loss']);
  add('Exp', ['logp'], ['softmax']);
  add('Sub', ['softmax', 't'], ['residual']);
  add('Mul', ['residual', 'invN'], ['dz']);
  add('Gemm', [f, 'dz'], ['dwd'], { transA: 1 });
  add('ReduceSum', ['dz', 'axis0'], ['dbd'], { keepdims: 0 });
  add('Gemm', ['dz', 'wd'], ['df'], { transB: 1 });
  if (dropout) add('Mul', ['df', 'mask'], ['dfMasked']);
  add('Reshape', [dropout ? 'dfMasked' : 'df', 'lastNHWC'], [`da${last}NHWC`]);
  add('Transpose', [`da${last}NHWC`], [`da${last}`], { perm: [0, 3, 1, 2] });
}

/**
 * Block b backwards, from da_{b+1} (its pool's output gradient) to dW_b, dbias_b and, but for
 * the first block, da_b. `blockedBatch`: the batch is a multiple of the NCHWc block, so the
 * filter gradient, whose input channels are the batch, may run on the blocked kernel.
 */
function backwardBlock(g: Builder, shape: CnnShape, b: number, blockedBatch: boolean): void {
  const { add, conv } = g;
  const { filters, kernel } = shape.blocks[b];
  const [kh, kw] = kernel;
  const ci = weightsOf(shape).channels[b];
  // relu′ · pool′: a window's gradient goes to its max, and on only where that max is positive.
  add('Greater', [`a${b + 1}`, 'zero'], [`on${b}`]);
  add('Where', [`on${b}`, `da${b + 1}`, 'zero'], [`dp${b}`]);
  add('ReduceSum', [`dp${b}`, 'axes023'], [`db${b}`], { keepdims: 0 });
  add('Shape', [`r${b}`], [`convShape${b}`]);
  add('MaxUnpool', [`dp${b}`, `i${b}`, `convShape${b}`], [`dc${b}`], { kernel_shape: [2, 2], strides: [2, 2] });
  // dW as a convolution with batch and channels swapped: [ci, n, H, W] ⊛ [co, n, H, W] → [ci, co, kh, kw].
  // Reordering dc, its weights, into the blocked layout is a pass over it at a poor stride (22 ms
  // for the teacher's first layer, batch 128), which pays only where ci is a block or more.
  add('Transpose', [`a${b}`], [`a${b}T`], { perm: [1, 0, 2, 3] });
  add('Transpose', [`dc${b}`], [`dc${b}T`], { perm: [1, 0, 2, 3] });
  const blocked = blockedBatch && filters % g.block === 0 && ci >= g.block;
  conv(`a${b}T`, `dc${b}T`, null, `dW${b}`, { outChannels: filters, kernel: sizes(shape)[b], pads: same(kernel), blocked });
  add('Transpose', [`dW${b}`], [`dw${b}`], { perm: [2, 3, 0, 1] });
  if (b === 0) return; // the input needs no gradient
  // da = the full correlation of dc with W rotated by 180°, [ci, co, kh, kw] flipped on both kernel axes.
  add('Transpose', [`w${b}`], [`Wswap${b}`], { perm: [2, 3, 0, 1] });
  g.initializer.push(ints(`flipEnd${b}`, [-(kh + 1), -(kw + 1)]));
  add('Slice', [`Wswap${b}`, 'flipStart', `flipEnd${b}`, 'kernelAxes', 'backwards'], [`Wrot${b}`]);
  const [top, left, bottom, right] = same(kernel);
  conv(`dc${b}`, `Wrot${b}`, null, `da${b}`, { outChannels: ci, kernel, pads: [kh - 1 - top, kw - 1 - left, kh - 1 - bottom, kw - 1 - right], blocked: g.fits(filters, ci) });
}

const graphOf = (name: string, g: Builder, { inputs, outputs }: { inputs: Io; outputs: Io }) =>
  onnx.GraphProto.create({
    name,
    input: inputs.map(([name, dims]) => valueInfo(name, FLOAT, dims)),
    output: outputs.map(([name, dims]) => valueInfo(name, FLOAT, dims)),
    initializer: g.initializer,
    node: g.nodes,
  });

/** The logits z [n, classes] of any batch, with NCHWc convolutions where `block` (nchwcBlock()) allows. */
function inferenceGraph(shape: CnnShape, block: number) {
  const g = graphBuilder(block);
  forward(g, shape, false);
  g.add('Gemm', ['f', 'wd', 'bd'], ['z']);
  return graphOf('cnnLogits', g, inferenceIo(shape));
}

/** The training step's graph: the loss and every gradient of a batch whose size is a multiple of the NCHWc block or not (`blockedBatch`). */
function trainingGraph(shape: CnnShape, dropout: boolean, blockedBatch: boolean, block: number) {
  const g = graphBuilder(block);
  g.initializer.push(float('zero', 0), ints('axes023', [0, 2, 3]), ints('flipStart', [-1, -1]), ints('kernelAxes', [2, 3]), ints('backwards', [-1, -1]));
  forward(g, shape, true);
  lossAndDense(g, shape, dropout);
  for (let b = shape.blocks.length - 1; b >= 0; b--) backwardBlock(g, shape, b, blockedBatch);
  return graphOf('cnnTrainingStep', g, trainingIo(shape, dropout));
}

/** Runs a graph on arrays given in the order of `io`'s inputs, writing into new arrays for its outputs. */
function run(key: string, graph: () => ReturnType<typeof graphOf>, io: { inputs: Io; outputs: Io }, arrays: Float32Array[], n: number): Float32Array[] {
  const dims = (d: (number | string)[]) => d.map((v) => (v === 'n' ? n : (v as number)));
  const results = io.outputs.map(([, d]) => new Float32Array(dims(d).reduce((a, b) => a * b, 1)));
  runOnnxArrays(
    key,
    graph,
    Object.fromEntries(io.inputs.map(([name, d], i) => [name, [arrays[i], dims(d)]])),
    Object.fromEntries(io.outputs.map(([name, d], i) => [name, [results[i], dims(d)]])),
  );
  return results;
}

/**
 * The training step of a model of `shape` on onnxruntime: a batch's mean loss and the
 * gradient of each of `weights` (the model's trainable weights, in order). The dropout mask
 * before the dense layer is tf.dropout's for the seed `maskSeed()`, the one the tape's step draws.
 */
export function cnnGraphGradients(shape: CnnShape, weights: tf.Variable[], dropout: number, maskSeed: () => number) {
  const { features } = weightsOf(shape);
  return (x: Float32Array, targets: Float32Array, n: number): { loss: number; gradients: Float32Array[] } => {
    const block = nchwcBlock();
    const blockedBatch = block > 1 && n % block === 0;
    const mask = dropout > 0 ? [dropoutMask(n * features, dropout, maskSeed())] : [];
    const arrays = [x, ...weights.map((w) => w.dataSync() as Float32Array), targets, Float32Array.of(1 / n), ...mask];
    const [loss, ...gradients] = run(
      `cnnTrainingStep ${JSON.stringify(shape)} dropout ${dropout > 0} blockedBatch ${blockedBatch}`,
      () => trainingGraph(shape, dropout > 0, blockedBatch, block),
      trainingIo(shape, dropout > 0),
      arrays,
      n,
    );
    return { loss: loss[0], gradients };
  };
}

/** The logits [n, classes] of x [n, ...input] by a model of `shape` with `weights` (in the model's order), on onnxruntime. */
export function cnnLogits(shape: CnnShape, weights: Float32Array[], x: Float32Array, n: number): Float32Array {
  return run(`cnnLogits ${JSON.stringify(shape)}`, () => inferenceGraph(shape, nchwcBlock()), inferenceIo(shape), [x, ...weights], n)[0];
}
