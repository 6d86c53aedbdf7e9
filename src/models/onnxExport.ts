/**
 * A soft tree (sdt-tree/1 or /2) as an ONNX model, encoded by onnx-proto (ONNX's own
 * onnx.proto compiled by protobufjs). Input `x` [N, F] float: the preprocessed input
 * (x = raw · scale + offset, as in the model file). Outputs: `class` [N] int64, the max-path
 * class; `mixture` [N, K] float, Σ_ℓ P^ℓ(x) Q^ℓ; `leaf` [N] int64, the max-path leaf.
 *
 * The graph is the fast formulation: z = β(x·W + b) for every inner node at once; each
 * leaf's log path probability is one product of [log(1 − σ(z)), log σ(z)] = [−softplus(z),
 * −softplus(−z)] with a fixed 0/1 routing matrix R [2I, L] (R[i, ℓ] = 1 when ℓ's path turns
 * left at i, R[I + i, ℓ] when it turns right); the max path is the arg max over leaves.
 * Computed in double precision from float32 filters, like the TypeScript predictor (treeRule.ts).
 */
import { DOUBLE, FLOAT, INT64, node, onnx, tensor, valueInfo } from '../kernels/onnxGraph.js';
import type { TreeFile } from './treeFile.js';
import { pathTo, treeStructure } from './treeStructure.js';

const OPSET = 13;

export function treeToOnnx(file: TreeFile): Uint8Array {
  const structure = treeStructure(file);
  const { inner: I, leaves: L } = structure;
  const F = file.inputShape.reduce((a, b) => a * b, 1);
  const K = file.classNames.length;
  // [F, I]: column i is node i's filter, rounded to float32 as every sdt predictor holds it.
  const W = new Float64Array(F * I);
  file.inner.weights.forEach((w, i) => w.forEach((v, j) => (W[j * I + i] = Math.fround(v))));
  const routing = new Float64Array(2 * I * L);
  const leafClass = new BigInt64Array(L);
  const Q = new Float64Array(L * K);
  for (let l = 0; l < L; l++) {
    for (const { node: i, right } of pathTo(structure, I + l)) routing[(right ? I + i : i) * L + l] = 1;
    const logits = file.leaves.logits[l];
    const m = Math.max(...logits);
    const e = logits.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    e.forEach((v, k) => (Q[l * K + k] = v / s));
    leafClass[l] = BigInt(e.indexOf(Math.max(...e)));
  }
  const graph = onnx.GraphProto.create({
    name: 'sdt',
    input: [valueInfo('x', FLOAT, ['N', F])],
    output: [valueInfo('class', INT64, ['N']), valueInfo('mixture', FLOAT, ['N', K]), valueInfo('leaf', INT64, ['N'])],
    initializer: [
      tensor('W', [F, I], W, DOUBLE),
      tensor('one', [], Float64Array.of(1), DOUBLE),
      tensor('b', [I], Float64Array.from(file.inner.biases), DOUBLE),
      tensor('beta', [], Float64Array.of(file.beta), DOUBLE),
      tensor('R', [2 * I, L], routing, DOUBLE),
      tensor('Q', [L, K], Q, DOUBLE),
      tensor('leafClass', [L], leafClass, INT64),
    ],
    node: [
      node('Cast', ['x'], ['x64'], { to: DOUBLE }),
      node('MatMul', ['x64', 'W'], ['xW']),
      node('Add', ['xW', 'b'], ['xWb']),
      node('Mul', ['xWb', 'beta'], ['z']), // z_i = β(x·w_i + b_i)
      // softplus(z) = max(z, 0) + log(1 + e^−|z|), stable for any z; softplus(−z) = softplus(z) − z.
      node('Relu', ['z'], ['zPlus']),
      node('Abs', ['z'], ['zAbs']),
      node('Neg', ['zAbs'], ['zNegAbs']),
      node('Exp', ['zNegAbs'], ['eNegAbs']),
      node('Add', ['eNegAbs', 'one'], ['onePlus']),
      node('Log', ['onePlus'], ['logOnePlus']),
      node('Add', ['zPlus', 'logOnePlus'], ['spZ']),
      node('Sub', ['spZ', 'z'], ['spNegZ']),
      node('Concat', ['spZ', 'spNegZ'], ['minusLogBranch'], { axis: 1 }), // −[log(1 − p), log p]
      node('MatMul', ['minusLogBranch', 'R'], ['minusLogP']),
      node('Neg', ['minusLogP'], ['logP']), // log P^ℓ(x)
      node('ArgMax', ['logP'], ['leaf'], { axis: 1, keepdims: 0 }), // first maximum, as the predictor
      node('Gather', ['leafClass', 'leaf'], ['class'], { axis: 0 }),
      node('Exp', ['logP'], ['P']),
      node('MatMul', ['P', 'Q'], ['mixture64']),
      node('Cast', ['mixture64'], ['mixture'], { to: FLOAT }),
    ],
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'sdt',
    opsetImport: [{ domain: '', version: OPSET }],
    docString: `soft decision tree (${file.format}), ${I} inner nodes, ${L} leaves; input x = raw · scale + offset as in the model file`,
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
