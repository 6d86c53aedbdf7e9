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

/** onnxruntime's blocked-layout (NCHWc) operators. */
export const NCHWC = 'com.microsoft.nchwc';

/** One operator of `domain` (default: ONNX's own); attributes are integers, lists of integers or strings. */
export function node(opType: string, inputs: string[], outputs: string[], attributes: Record<string, number | number[] | string> = {}, domain = '') {
  const { INT, INTS, STRING } = onnx.AttributeProto.AttributeType;
  return onnx.NodeProto.create({
    opType,
    domain,
    input: inputs,
    output: outputs,
    name: outputs[0],
    attribute: Object.entries(attributes).map(([name, v]) =>
      typeof v === 'string'
        ? onnx.AttributeProto.create({ name, s: new TextEncoder().encode(v), type: STRING })
        : Array.isArray(v)
          ? onnx.AttributeProto.create({ name, ints: v, type: INTS })
          : onnx.AttributeProto.create({ name, i: v, type: INT }),
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
