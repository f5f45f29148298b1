/**
 * The ONNX message types, built once from the generated JSON descriptor with protobufjs/light (no .proto parser and
 * no file system at runtime, so the same code runs in Node and in a browser bundle).
 */
import protobuf from 'protobufjs/light.js';
import { onnxSchema } from './schema.generated.ts';

const root = protobuf.Root.fromJSON(onnxSchema as unknown as protobuf.INamespace);

export const ModelProto = root.lookupType('onnx.ModelProto');
export const TensorProto = root.lookupType('onnx.TensorProto');

/** protobufjs decodes int64 as a Long object when the `long` package is present, else as a number. */
export type Int64 = number | { toNumber(): number; toString(): string; high: number; low: number };

/** Element types of TensorProto.data_type that tconv reads (ONNX numbering). */
export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
} as const;

export const DATA_TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(DataType).map(([name, code]) => [code, name]),
);

/** Attribute types (AttributeProto.type). */
export const AttributeType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10,
} as const;

/** Plain-object shapes of the decoded messages (protobufjs toObject with arrays and defaults). */
export interface RawTensor {
  dims?: Int64[];
  data_type?: number;
  segment?: unknown;
  float_data?: number[];
  int32_data?: number[];
  string_data?: Uint8Array[];
  int64_data?: Int64[];
  name?: string;
  raw_data?: Uint8Array;
  external_data?: { key?: string; value?: string }[];
  data_location?: number;
  double_data?: number[];
  uint64_data?: Int64[];
}

export interface RawAttribute {
  name?: string;
  ref_attr_name?: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: RawTensor;
  g?: RawGraph;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
  tensors?: RawTensor[];
  graphs?: RawGraph[];
}

export interface RawNode {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: RawAttribute[];
}

export interface RawDimension { dim_value?: Int64; dim_param?: string }

export interface RawValueInfo {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: RawDimension[] } } };
}

export interface RawGraph {
  node?: RawNode[];
  name?: string;
  initializer?: RawTensor[];
  input?: RawValueInfo[];
  output?: RawValueInfo[];
  value_info?: RawValueInfo[];
}

export interface RawModel {
  ir_version?: Int64;
  opset_import?: { domain?: string; version?: Int64 }[];
  producer_name?: string;
  producer_version?: string;
  graph?: RawGraph;
}
