/**
 * Reading an .onnx file into tconv's model record: nodes with plain attribute values, decoded initializers and the
 * graph's inputs and outputs. Every failure of a malformed or hostile file becomes one TconvError ('invalid-model')
 * naming where in the file the problem is; sizes are checked before anything is allocated.
 */
import { TconvError } from '../shape/errors.ts';
import { invalidModel } from './errors.ts';
import { AttributeType, type RawAttribute, type RawGraph, type RawModel, type RawValueInfo, ModelProto } from './schema.ts';
import { type OnnxTensor, decodeTensor, int64Clamped, int64ToNumber } from './tensor-proto.ts';
import { scanWire } from './wire-scan.ts';

export type AttributeValue = number | string | OnnxTensor | readonly number[] | readonly string[];

export interface OnnxNode {
  /** Index in the file's node list. */
  readonly index: number;
  /** The node's name, or "OpType#index" when the file gives none. */
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, AttributeValue>;
}

/** A graph input or output: its name, element type and shape (numbers, symbolic names, or null when unknown). */
export interface ValueInfo {
  readonly name: string;
  readonly elemType: number;
  readonly shape: readonly (number | string | null)[] | null;
  /** Declared with a type that is not a tensor (a sequence, map or optional value). */
  readonly notTensor?: boolean;
}

export interface OnnxModel {
  readonly irVersion: number;
  /** Version of the default ("ai.onnx") operator set. */
  readonly opset: number;
  readonly producer: string;
  readonly graphName: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, OnnxTensor>;
  /** Graph inputs that are not initializers: what the caller must feed. */
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
}

export interface ReadOptions {
  /** Refuse files larger than this (default 1 GiB). */
  readonly maxBytes?: number;
  /** Refuse files whose repeated fields would decode into more than this many bytes of objects (default 256 MiB). */
  readonly maxDecodedBytes?: number;
}

const DEFAULT_MAX_BYTES = 1024 ** 3;

/**
 * Parses the bytes of an .onnx file.
 * @example
 * const model = readModel(readFileSync('model.onnx'));
 * model.nodes.map((n) => n.opType) // → ['ConvTranspose']
 */
export function readModel(bytes: Uint8Array, options: ReadOptions = {}): OnnxModel {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length > maxBytes) {
    throw invalidModel('file', `${bytes.length} bytes`, `is larger than the limit of ${maxBytes} bytes`, 'pass a larger maxBytes if the file is genuine');
  }
  if (bytes.length === 0) throw invalidModel('file', '0 bytes', 'is empty');
  // Count what decoding would build before protobufjs builds it (packed fields amplify bytes into objects).
  scanWire(bytes, ModelProto, 'file', { maxDecodedBytes: options.maxDecodedBytes, what: 'ONNX protobuf' });
  let raw: RawModel;
  try {
    raw = ModelProto.decode(bytes) as unknown as RawModel;
  } catch (error) {
    // protobufjs throws RangeError on truncation, Error on bad wire types; deep nesting overflows the stack.
    throw invalidModel('file', `${bytes.length} bytes`, `is not a readable ONNX protobuf (${(error as Error).message})`);
  }
  try {
    return fromRaw(raw);
  } catch (error) {
    if (error instanceof TconvError) throw error;
    throw invalidModel('file', `${bytes.length} bytes`, `holds an inconsistent model (${(error as Error).message})`);
  }
}

function fromRaw(raw: RawModel): OnnxModel {
  const graph = raw.graph;
  if (!graph || (graph.node?.length ?? 0) === 0) throw invalidModel('graph', graph ? 'no nodes' : 'missing', 'must hold at least one node');
  const opsets = raw.opset_import ?? [];
  const standard = opsets.find((o) => !o.domain || o.domain === 'ai.onnx');
  const opset = standard ? int64ToNumber(standard.version, 'opset_import.version') : 1;
  const initializers = new Map<string, OnnxTensor>();
  (graph.initializer ?? []).forEach((t, i) => {
    const where = `graph.initializer[${i}]${t.name ? ` ("${t.name}")` : ''}`;
    if (!t.name) throw invalidModel(where, '', 'has no name');
    if (initializers.has(t.name)) throw invalidModel(where, t.name, 'repeats the name of an earlier initializer');
    initializers.set(t.name, decodeTensor(t, where));
  });
  const nodes = (graph.node ?? []).map((node, index) => {
    const opType = node.op_type ?? '';
    const where = `graph.node[${index}]`;
    if (!opType) throw invalidModel(`${where}.op_type`, '', 'is empty');
    const attributes = new Map<string, AttributeValue>();
    (node.attribute ?? []).forEach((a, j) => {
      const name = a.name ?? '';
      if (!name) throw invalidModel(`${where}.attribute[${j}].name`, '', 'is empty');
      attributes.set(name, attributeValue(a, `${where}.attribute "${name}"`));
    });
    return Object.freeze({
      index, name: node.name || `${opType}#${index}`, opType, domain: node.domain ?? '',
      inputs: Object.freeze([...(node.input ?? [])]), outputs: Object.freeze([...(node.output ?? [])]), attributes,
    });
  });
  return Object.freeze({
    irVersion: int64Clamped(raw.ir_version), opset, producer: [raw.producer_name, raw.producer_version].filter(Boolean).join(' '),
    graphName: graph.name ?? '', nodes: Object.freeze(nodes), initializers,
    inputs: Object.freeze(valueInfos(graph, 'input').filter((v) => !initializers.has(v.name))),
    outputs: Object.freeze(valueInfos(graph, 'output')),
  });
}

function valueInfos(graph: RawGraph, field: 'input' | 'output'): ValueInfo[] {
  return (graph[field] ?? []).map((v: RawValueInfo, i) => {
    const where = `graph.${field}[${i}]`;
    if (!v.name) throw invalidModel(`${where}.name`, '', 'is empty');
    const tensorType = v.type?.tensor_type;
    const dims = tensorType?.shape?.dim;
    const shape = !tensorType || !Object.hasOwn(tensorType, 'shape') || dims === undefined ? null : dims.map((d, axis) => {
      if (d.dim_param) return d.dim_param;
      // Decoded messages carry defaults on their prototype: only own properties were present in the file.
      if (!Object.hasOwn(d, 'dim_value')) return null;
      const n = int64ToNumber(d.dim_value, `${where}.shape[${axis}]`);
      return n >= 0 ? n : null;
    });
    // A TypeProto without tensor_type held a kind tconv's schema skips (sequence, map, optional).
    const notTensor = v.type !== undefined && Object.hasOwn(v, 'type') && !tensorType;
    return { name: v.name, elemType: tensorType?.elem_type ?? 0, shape, ...(notTensor ? { notTensor } : {}) };
  });
}

const textDecoder = new TextDecoder();

function attributeValue(a: RawAttribute, where: string): AttributeValue {
  // IR version 1 files have no type field: infer it from the field in use.
  const type = a.type || inferAttributeType(a);
  switch (type) {
    case AttributeType.FLOAT: return a.f ?? 0;
    case AttributeType.INT: return int64Clamped(a.i);
    case AttributeType.STRING: return textDecoder.decode(a.s ?? new Uint8Array());
    case AttributeType.FLOATS: return Object.freeze([...(a.floats ?? [])]);
    case AttributeType.INTS: return Object.freeze((a.ints ?? []).map((v) => int64Clamped(v)));
    case AttributeType.STRINGS: return Object.freeze((a.strings ?? []).map((s) => textDecoder.decode(s)));
    case AttributeType.TENSOR:
      if (!a.t) throw invalidModel(where, 'TENSOR', 'has no tensor value');
      return decodeTensor(a.t, where);
    default:
      // Graphs (If/Loop bodies) and sparse tensors belong to ops tconv does not run; keep the node reportable.
      return `<${type}>`;
  }
}

function inferAttributeType(a: RawAttribute): number {
  if ((a.ints?.length ?? 0) > 0) return AttributeType.INTS;
  if ((a.floats?.length ?? 0) > 0) return AttributeType.FLOATS;
  if ((a.strings?.length ?? 0) > 0) return AttributeType.STRINGS;
  if (a.t) return AttributeType.TENSOR;
  if (a.s && a.s.length > 0) return AttributeType.STRING;
  if (a.f !== undefined && a.f !== 0) return AttributeType.FLOAT;
  return AttributeType.INT;
}

/** Attribute accessors that name the node and attribute in their errors. */
export function intAttr(node: OnnxNode, name: string, fallback: number): number {
  const v = node.attributes.get(name);
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidModel(`${node.name}.${name}`, v, 'must be an integer attribute');
  return v;
}

export function floatAttr(node: OnnxNode, name: string, fallback: number): number {
  const v = node.attributes.get(name);
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw invalidModel(`${node.name}.${name}`, v, 'must be a number attribute');
  return v;
}

export function intsAttr(node: OnnxNode, name: string): readonly number[] | undefined {
  const v = node.attributes.get(name);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) throw invalidModel(`${node.name}.${name}`, v, 'must be a list of integers');
  return v as readonly number[];
}

export function floatsAttr(node: OnnxNode, name: string): readonly number[] | undefined {
  return intsAttr(node, name);
}

export function stringAttr(node: OnnxNode, name: string, fallback: string): string {
  const v = node.attributes.get(name);
  if (v === undefined) return fallback;
  if (typeof v !== 'string') throw invalidModel(`${node.name}.${name}`, v, 'must be a string attribute');
  return v;
}
