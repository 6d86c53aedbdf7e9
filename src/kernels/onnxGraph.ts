/**
 * Building blocks of an ONNX graph, encoded by onnx-proto (ONNX's own onnx.proto compiled
 * by protobufjs): the exported tree (src/models/onnxExport.ts) and the kernels sdt runs on
 * onnxruntime (onnxruntime.ts) are both written with them.
 */
import pkg from 'onnx-proto';

export const { onnx } = pkg;
export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const DOUBLE = onnx.TensorProto.DataType.DOUBLE;
export const INT64 = onnx.TensorProto.DataType.INT64;

/** An initializer: a named constant of the graph. */
export function tensor(name: string, dims: number[], values: Float32Array | Float64Array | BigInt64Array, dataType: number) {
  return onnx.TensorProto.create({ name, dims, dataType, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
}

/** One operator; attributes are integers or lists of integers (all that sdt's graphs use). */
export function node(opType: string, inputs: string[], outputs: string[], attributes: Record<string, number | number[]> = {}) {
  const { INT, INTS } = onnx.AttributeProto.AttributeType;
  return onnx.NodeProto.create({
    opType,
    input: inputs,
    output: outputs,
    name: outputs[0],
    attribute: Object.entries(attributes).map(([name, v]) =>
      Array.isArray(v) ? onnx.AttributeProto.create({ name, ints: v, type: INTS }) : onnx.AttributeProto.create({ name, i: v, type: INT }),
    ),
  });
}

/** A graph input or output; a string dimension is symbolic (any size). */
export function valueInfo(name: string, elemType: number, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });
}
