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
  if (dense.config.activation !== 'linear' || !dense.config.useBias) return null;
  const input = model.inputs[0].shape.slice(1) as [number, number, number];
  return { input, blocks, classes: dense.config.units as number };
}

/** [height, width] of each block's convolution (its input's) and of the last pool's output. */
function sizes(shape: CnnShape): [number, number][] {
  return shape.blocks.reduce<[number, number][]>((out, _, b) => [...out, [Math.floor(out[b][0] / 2), Math.floor(out[b][1] / 2)]], [[shape.input[0], shape.input[1]]]);
}

/** The weights' names and dimensions, as the model's trainable weights come, layer by layer; the features the dense layer reads. */
function weightsOf(shape: CnnShape) {
  const [last] = sizes(shape).slice(-1);
  const features = last[0] * last[1] * shape.blocks[shape.blocks.length - 1].filters;
  const channels = [shape.input[2], ...shape.blocks.map((b) => b.filters)];
  const weights = shape.blocks.flatMap((b, i): [string, number[]][] => [[`w${i}`, [...b.kernel, channels[i], b.filters]], [`b${i}`, [b.filters]]]);
  weights.push(['wd', [features, shape.classes]], ['bd', [shape.classes]]);
  return { weights, features, channels };
}

/** The training graph's inputs and outputs by name, with their dimensions, for a batch of n (dropout: a mask input). */
export function cnnTrainingIo(shape: CnnShape, n: number, dropout: boolean) {
  const { weights, features } = weightsOf(shape);
  const inputs: [string, number[]][] = [['x', [n, ...shape.input]], ...weights, ['t', [n, shape.classes]], ...(dropout ? [['mask', [n, features]] as [string, number[]]] : [])];
  const outputs: [string, number[]][] = [['loss', []], ...weights.map(([name, dims]): [string, number[]] => [`d${name}`, dims])];
  return { inputs, outputs, features };
}

const ints = (name: string, values: number[]) => tensor(name, [values.length], BigInt64Array.from(values, BigInt), INT64);
const float = (name: string, value: number) => tensor(name, [], Float32Array.of(value), FLOAT);
// 'same' padding at stride 1, as tfjs pads: the odd pixel goes after. ONNX order: [top, left, bottom, right].
const same = ([kh, kw]: [number, number]) => [Math.floor((kh - 1) / 2), Math.floor((kw - 1) / 2), kh - 1 - Math.floor((kh - 1) / 2), kw - 1 - Math.floor((kw - 1) / 2)];

/** A graph under construction: its nodes, its constants, and a convolution that picks its kernel. */
function graphBuilder(block: number) {
  const nodes: ReturnType<typeof node>[] = [];
  const initializer: ReturnType<typeof tensor>[] = [];
  const add = (...args: Parameters<typeof node>) => nodes.push(node(...args));
  /**
   * y = conv(x, W) + bias (then relu), NCHW in and out, W as [O, I, kh, kw]. When both channel
   * counts are multiples of onnxruntime's NCHWc block, it runs on the blocked-layout kernel,
   * with W reordered in the graph to [O/b, I/b, kh, kw, b_i, b_o]: onnxruntime does that itself
   * only for constant weights, and training changes them every step. Measured on the build
   * machine (batch 128, the teacher's second layer): 16 ms against 28 forward, and 39 against 61
   * for its filter gradient.
   */
  const conv = (x: string, w: string, bias: string | null, y: string, o: { channels: [number, number]; kernel: [number, number]; pads: number[]; relu?: boolean; blocked?: boolean }) => {
    const [I, O] = o.channels;
    if (block === 1 || I % block !== 0 || O % block !== 0 || o.blocked === false) {
      add('Conv', [x, w, ...(bias ? [bias] : [])], [o.relu ? `${y}Linear` : y], { pads: o.pads });
      if (o.relu) add('Relu', [`${y}Linear`], [y]);
      return;
    }
    initializer.push(ints(`${y}Blocks`, [O / block, block, I / block, block, ...o.kernel]), ints(`${y}Kernel`, [O, I, ...o.kernel]));
    add('Reshape', [w, `${y}Blocks`], [`${y}W6`]);
    add('Transpose', [`${y}W6`], [`${y}W6Blocked`], { perm: [0, 2, 4, 5, 3, 1] });
    add('Reshape', [`${y}W6Blocked`, `${y}Kernel`], [`${y}WBlocked`]);
    add('ReorderInput', [x], [`${y}X`], {}, NCHWC);
    const attributes = { pads: o.pads, kernel_shape: o.kernel, strides: [1, 1], dilations: [1, 1], group: 1 };
    add('Conv', [`${y}X`, `${y}WBlocked`, ...(bias ? [bias] : [])], [`${y}Blocked`], o.relu ? { ...attributes, activation: 'Relu' } : attributes, NCHWC);
    add('ReorderOutput', [`${y}Blocked`], [y], { channels: O }, NCHWC);
  };
  return { nodes, initializer, add, conv };
}

/**
 * The forward pass from x (NHWC) to the logits z: a_b, and with `indices` each pool's
 * argmax i_b, which the gradient needs. Returns the flattened features' name.
 */
function forward(g: ReturnType<typeof graphBuilder>, shape: CnnShape, n: number, indices: boolean): string {
  const { channels, features } = weightsOf(shape);
  const B = shape.blocks.length;
  g.add('Transpose', ['x'], ['a0'], { perm: [0, 3, 1, 2] });
  shape.blocks.forEach(({ filters, kernel }, b) => {
    g.add('Transpose', [`w${b}`], [`W${b}`], { perm: [3, 2, 0, 1] }); // [kh, kw, ci, co] → [co, ci, kh, kw]
    g.conv(`a${b}`, `W${b}`, `b${b}`, `r${b}`, { channels: [channels[b], filters], kernel, pads: same(kernel), relu: true });
    g.add('MaxPool', [`r${b}`], [`a${b + 1}`, ...(indices ? [`i${b}`] : [])], { kernel_shape: [2, 2], strides: [2, 2] });
  });
  g.add('Transpose', [`a${B}`], [`a${B}NHWC`], { perm: [0, 2, 3, 1] }); // flatten in tfjs's order
  g.initializer.push(ints('flat', [n, features]));
  g.add('Reshape', [`a${B}NHWC`, 'flat'], ['f']);
  return 'f';
}

const graphOf = (name: string, g: ReturnType<typeof graphBuilder>, inputs: [string, number[]][], outputs: [string, number[]][]) =>
  onnx.GraphProto.create({
    name,
    input: inputs.map(([name, dims]) => valueInfo(name, FLOAT, dims)),
    output: outputs.map(([name, dims]) => valueInfo(name, FLOAT, dims)),
    initializer: g.initializer,
    node: g.nodes,
  });

/** The logits z [n, classes] of a batch of n, with NCHWc convolutions where `block` (nchwcBlock()) allows. */
export function cnnInferenceGraph(shape: CnnShape, n: number, block: number) {
  const g = graphBuilder(block);
  g.add('Gemm', [forward(g, shape, n, false), 'wd', 'bd'], ['z']);
  return graphOf('cnnLogits', g, [['x', [n, ...shape.input]], ...weightsOf(shape).weights], [['z', [n, shape.classes]]]);
}

export function cnnTrainingGraph(shape: CnnShape, n: number, dropout: boolean, block: number) {
  const { inputs, outputs } = cnnTrainingIo(shape, n, dropout);
  const { channels } = weightsOf(shape);
  const hw = sizes(shape);
  const B = shape.blocks.length;
  const g = graphBuilder(block);
  const { add, conv } = g;
  g.initializer.push(
    float('zero', 0), float('invN', 1 / n), float('minusInvN', -1 / n), ints('axis0', [0]), ints('axes023', [0, 2, 3]),
    ints('flipStart', [-1, -1]), ints('kernelAxes', [2, 3]), ints('backwards', [-1, -1]),
  );

  const features = forward(g, shape, n, true);
  const f = dropout ? 'fMasked' : features;
  if (dropout) add('Mul', [features, 'mask'], ['fMasked']);
  add('Gemm', [f, 'wd', 'bd'], ['z']);
  add('LogSoftmax', ['z'], ['logp'], { axis: 1 });
  add('Mul', ['t', 'logp'], ['tlogp']);
  add('ReduceSum', ['tlogp'], ['sum'], { keepdims: 0 });
  add('Mul', ['sum', 'minusInvN'], ['loss']);

  // Backward.
  add('Exp', ['logp'], ['softmax']);
  add('Sub', ['softmax', 't'], ['residual']);
  add('Mul', ['residual', 'invN'], ['dz']);
  add('Gemm', [f, 'dz'], ['dwd'], { transA: 1 });
  add('ReduceSum', ['dz', 'axis0'], ['dbd'], { keepdims: 0 });
  add('Gemm', ['dz', 'wd'], ['df'], { transB: 1 });
  if (dropout) add('Mul', ['df', 'mask'], ['dfMasked']);
  const [lastH, lastW] = hw[B];
  g.initializer.push(ints('lastNHWC', [n, lastH, lastW, shape.blocks[B - 1].filters]));
  add('Reshape', [dropout ? 'dfMasked' : 'df', 'lastNHWC'], [`da${B}NHWC`]);
  add('Transpose', [`da${B}NHWC`], [`da${B}`], { perm: [0, 3, 1, 2] });
  for (let b = B - 1; b >= 0; b--) {
    const { filters, kernel } = shape.blocks[b];
    const [kh, kw] = kernel;
    // relu′ · pool′: a window's gradient goes to its max, and on only where that max is positive.
    add('Greater', [`a${b + 1}`, 'zero'], [`on${b}`]);
    add('Where', [`on${b}`, `da${b + 1}`, 'zero'], [`dp${b}`]);
    add('ReduceSum', [`dp${b}`, 'axes023'], [`db${b}`], { keepdims: 0 });
    g.initializer.push(ints(`convShape${b}`, [n, filters, ...hw[b]]));
    add('MaxUnpool', [`dp${b}`, `i${b}`, `convShape${b}`], [`dc${b}`], { kernel_shape: [2, 2], strides: [2, 2] });
    // dW as a convolution with batch and channels swapped: [ci, n, H, W] ⊛ [co, n, H, W] → [ci, co, kh, kw].
    add('Transpose', [`a${b}`], [`a${b}T`], { perm: [1, 0, 2, 3] });
    add('Transpose', [`dc${b}`], [`dc${b}T`], { perm: [1, 0, 2, 3] });
    // Reordering dc, this convolution's weights, is a pass over it at a poor stride (22 ms for the
    // teacher's first layer, batch 128); it pays only where each value then enters ci·kh·kw ≥ 16·kh·kw products.
    conv(`a${b}T`, `dc${b}T`, null, `dW${b}`, { channels: [n, filters], kernel: hw[b], pads: same(kernel), blocked: channels[b] >= block });
    add('Transpose', [`dW${b}`], [`dw${b}`], { perm: [2, 3, 0, 1] });
    if (b === 0) break; // the input needs no gradient
    // da = the full correlation of dc with W rotated by 180°, [ci, co, kh, kw] flipped on both kernel axes.
    add('Transpose', [`w${b}`], [`Wswap${b}`], { perm: [2, 3, 0, 1] });
    g.initializer.push(ints(`flipEnd${b}`, [-(kh + 1), -(kw + 1)]));
    add('Slice', [`Wswap${b}`, 'flipStart', `flipEnd${b}`, 'kernelAxes', 'backwards'], [`Wrot${b}`]);
    const [top, left, bottom, right] = same(kernel);
    conv(`dc${b}`, `Wrot${b}`, null, `da${b}`, { channels: [filters, channels[b]], kernel, pads: [kh - 1 - top, kw - 1 - left, kh - 1 - bottom, kw - 1 - right] });
  }
  return graphOf('cnnTrainingStep', g, inputs, outputs);
}

/**
 * The training step of `model` (of `shape`) on onnxruntime: a batch's mean loss and the
 * gradient of each of `weights` (the model's trainable weights, in order). The dropout mask
 * before the dense layer is tf.dropout's for the seed `maskSeed()`, the one the tape's step draws.
 */
export function cnnGraphGradients(shape: CnnShape, weights: tf.Variable[], dropout: number, maskSeed: () => number) {
  return (x: Float32Array, targets: Float32Array, n: number): { loss: number; gradients: Float32Array[] } => {
    const { inputs, outputs, features } = cnnTrainingIo(shape, n, dropout > 0);
    const mask = dropout > 0 ? dropoutMask(n * features, dropout, maskSeed()) : null;
    const arrays = [x, ...weights.map((w) => w.dataSync() as Float32Array), targets, ...(mask ? [mask] : [])];
    const results = outputs.map(([, dims]) => new Float32Array(dims.reduce((a, b) => a * b, 1)));
    runOnnxArrays(
      `cnnTrainingStep ${JSON.stringify(shape)} n${n} dropout ${dropout > 0}`,
      () => cnnTrainingGraph(shape, n, dropout > 0, nchwcBlock()),
      Object.fromEntries(inputs.map(([name, dims], i) => [name, [arrays[i], dims]])),
      Object.fromEntries(outputs.map(([name, dims], i) => [name, [results[i], dims]])),
    );
    return { loss: results[0][0], gradients: results.slice(1) };
  };
}

/** The logits [n, classes] of x [n, ...input] by the model of `shape` with `weights`, on onnxruntime. */
export function cnnLogits(shape: CnnShape, weights: Float32Array[], x: Float32Array, n: number): Float32Array {
  const z = new Float32Array(n * shape.classes);
  const arrays = [x, ...weights];
  const inputs: [string, number[]][] = [['x', [n, ...shape.input]], ...weightsOf(shape).weights];
  runOnnxArrays(
    `cnnLogits ${JSON.stringify(shape)} n${n}`,
    () => cnnInferenceGraph(shape, n, nchwcBlock()),
    Object.fromEntries(inputs.map(([name, dims], i) => [name, [arrays[i], dims]])),
    { z: [z, [n, shape.classes]] },
  );
  return z;
}
