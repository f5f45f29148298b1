// Test helper: small hand-made ONNX models (valid or deliberately broken) encoded with tconv's schema.
import { AttributeType, ModelProto, type RawAttribute, type RawNode, type RawTensor } from '../../src/onnx/schema.ts';
import { floatTensorProto } from '../../src/onnx/tensor-proto.ts';

export interface ModelParts {
  readonly nodes: readonly RawNode[];
  readonly initializers?: readonly RawTensor[];
  readonly inputs?: readonly { name: string; shape: readonly (number | string)[] }[];
  readonly outputs?: readonly string[];
  readonly opset?: number;
}

export function ints(name: string, values: readonly number[]): RawAttribute {
  return { name, type: AttributeType.INTS, ints: [...values] };
}

export function node(opType: string, input: string[], output: string[], attribute: RawAttribute[] = [], name?: string): RawNode {
  return { op_type: opType, input, output, attribute, ...(name ? { name } : {}) };
}

export function weight(name: string, shape: readonly number[], fill = 0.5): RawTensor {
  return floatTensorProto(name, shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill));
}

export function buildModel(parts: ModelParts): Uint8Array {
  const valueInfo = (name: string, shape?: readonly (number | string)[]) => ({
    name,
    type: { tensor_type: { elem_type: 1, ...(shape ? { shape: { dim: shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } : {}) } },
  });
  return ModelProto.encode(ModelProto.fromObject({
    ir_version: 7, opset_import: [{ domain: '', version: parts.opset ?? 13 }],
    graph: {
      name: 'test', node: parts.nodes, initializer: parts.initializers ?? [],
      input: (parts.inputs ?? [{ name: 'x', shape: [1, 2, 4, 4] }]).map((i) => valueInfo(i.name, i.shape)),
      output: (parts.outputs ?? ['y']).map((o) => valueInfo(o)),
    },
  })).finish();
}
