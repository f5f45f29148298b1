/**
 * TensorProto ⇄ tconv values. Elements come from raw_data (fixed-width little-endian) or from the typed field that
 * matches data_type; declared dims are checked against the bytes actually present before anything is allocated, so
 * a hostile file cannot ask for a giant buffer.
 */
import { MAX_TENSOR_ELEMENTS } from '../shape/plan.ts';
import { invalidModel, unsupported } from './errors.ts';
import { DATA_TYPE_NAMES, DataType, type Int64, type RawTensor, TensorProto } from './schema.ts';
import { type ScanLimits, scanWire } from './wire-scan.ts';

/** A decoded tensor: floating types as Float32Array, integer and bool types as exact-enough Float64Array. */
export interface OnnxTensor {
  readonly name: string;
  readonly dataType: number;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/** Bytes per element in raw_data. */
const ELEMENT_BYTES: Readonly<Record<number, number>> = {
  [DataType.FLOAT]: 4, [DataType.UINT8]: 1, [DataType.INT8]: 1, [DataType.UINT16]: 2, [DataType.INT16]: 2,
  [DataType.INT32]: 4, [DataType.INT64]: 8, [DataType.BOOL]: 1, [DataType.FLOAT16]: 2, [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4, [DataType.UINT64]: 8, [DataType.BFLOAT16]: 2,
};

const FLOATING: ReadonlySet<number> = new Set([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16]);

export function isFloating(dataType: number): boolean {
  return FLOATING.has(dataType);
}

/** int64 as a JS number; values beyond ±2^53 are refused (tconv never needs them exactly). */
export function int64ToNumber(value: Int64 | undefined, where: string): number {
  if (value === undefined) return 0;
  const n = typeof value === 'number' ? value : value.toNumber();
  if (!Number.isSafeInteger(n)) throw invalidModel(where, typeof value === 'number' ? value : value.toString(), 'is outside the range tconv reads exactly (±2^53)');
  return n;
}

/** int64 clamped to ±2^53 (ONNX uses INT64_MAX as "to the end" in some attributes). */
export function int64Clamped(value: Int64 | undefined): number {
  if (value === undefined) return 0;
  const n = typeof value === 'number' ? value : value.toNumber();
  return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n));
}

/** Checks dims (non-negative, product within tconv's tensor limit) and returns them with the element count. */
export function checkDims(dims: readonly number[], where: string): number {
  let count = 1;
  dims.forEach((d, axis) => {
    if (!Number.isSafeInteger(d) || d < 0) throw invalidModel(`${where}.dims[${axis}]`, d, 'must be a non-negative integer');
    count *= d;
  });
  if (count > MAX_TENSOR_ELEMENTS) {
    throw invalidModel(`${where}.dims`, dims, `declares ${count} elements, over tconv's limit of ${MAX_TENSOR_ELEMENTS} per tensor`);
  }
  return count;
}

/**
 * Decodes one TensorProto (already parsed by protobufjs) into an OnnxTensor.
 * @example
 * decodeTensor({ dims: [2], data_type: 1, float_data: [1, 2] }, 'x').data // → Float32Array [1, 2]
 */
export function decodeTensor(raw: RawTensor, where: string): OnnxTensor {
  const name = raw.name ?? '';
  const dataType = raw.data_type ?? DataType.UNDEFINED;
  const shape = (raw.dims ?? []).map((d, axis) => int64ToNumber(d, `${where}.dims[${axis}]`));
  const count = checkDims(shape, where);
  if (raw.data_location === 1 || (raw.external_data?.length ?? 0) > 0) {
    throw unsupported(`${where}.data_location`, 'EXTERNAL', 'is external data (a side file), which tconv does not read', 'save the model with its weights inside the .onnx file (onnx.save(..., save_as_external_data=False))');
  }
  const elementBytes = ELEMENT_BYTES[dataType];
  if (elementBytes === undefined) {
    throw unsupported(`${where}.data_type`, DATA_TYPE_NAMES[dataType] ?? dataType, 'is an element type tconv does not read', 'use float32 tensors (int64 for shapes)');
  }
  const floating = isFloating(dataType);
  const raw_data = raw.raw_data;
  if (raw_data !== undefined && raw_data.length > 0) {
    if (raw_data.length !== count * elementBytes) {
      throw invalidModel(`${where}.raw_data`, `${raw_data.length} bytes`, `does not match dims [${shape.join(', ')}] of ${DATA_TYPE_NAMES[dataType]} (${count * elementBytes} bytes)`);
    }
    return { name, dataType, shape, data: fromRaw(raw_data, dataType, count, floating) };
  }
  const typed = typedField(raw, dataType);
  if (typed.length !== count) {
    throw invalidModel(`${where}`, `${typed.length} values`, `does not match dims [${shape.join(', ')}] (${count} values)`);
  }
  const data = floating ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = convertTyped(typed[i]!, dataType);
  return { name, dataType, shape, data };
}

function typedField(raw: RawTensor, dataType: number): readonly (number | Int64)[] {
  switch (dataType) {
    case DataType.FLOAT: return raw.float_data ?? [];
    case DataType.DOUBLE: return raw.double_data ?? [];
    case DataType.INT64: return raw.int64_data ?? [];
    case DataType.UINT32: case DataType.UINT64: return raw.uint64_data ?? [];
    default: return raw.int32_data ?? []; // int8/16/32, uint8/16, bool, float16 and bfloat16 (as bits)
  }
}

function convertTyped(value: number | Int64, dataType: number): number {
  const n = typeof value === 'number' ? value : int64Clamped(value);
  if (dataType === DataType.FLOAT16) return halfToFloat(n & 0xffff);
  if (dataType === DataType.BFLOAT16) return bfloatToFloat(n & 0xffff);
  return n;
}

function fromRaw(bytes: Uint8Array, dataType: number, count: number, floating: boolean): Float32Array | Float64Array {
  // Copy first: raw_data is a view into the file buffer at an arbitrary (unaligned) offset.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = floating ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (dataType) {
      case DataType.FLOAT: out[i] = view.getFloat32(i * 4, true); break;
      case DataType.DOUBLE: out[i] = view.getFloat64(i * 8, true); break;
      case DataType.FLOAT16: out[i] = halfToFloat(view.getUint16(i * 2, true)); break;
      case DataType.BFLOAT16: out[i] = bfloatToFloat(view.getUint16(i * 2, true)); break;
      case DataType.INT8: out[i] = view.getInt8(i); break;
      case DataType.UINT8: case DataType.BOOL: out[i] = view.getUint8(i); break;
      case DataType.INT16: out[i] = view.getInt16(i * 2, true); break;
      case DataType.UINT16: out[i] = view.getUint16(i * 2, true); break;
      case DataType.INT32: out[i] = view.getInt32(i * 4, true); break;
      case DataType.UINT32: out[i] = view.getUint32(i * 4, true); break;
      case DataType.INT64: out[i] = Number(view.getBigInt64(i * 8, true)); break;
      case DataType.UINT64: out[i] = Number(view.getBigUint64(i * 8, true)); break;
    }
  }
  return out;
}

/** IEEE 754 half (1 sign, 5 exponent, 10 mantissa bits) to a number. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function bfloatToFloat(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits << 16);
  return view.getFloat32(0);
}

/** A float32 tensor as a TensorProto object (raw_data, little-endian), ready for TensorProto.encode or a graph. */
export function floatTensorProto(name: string, shape: readonly number[], data: Float32Array): RawTensor {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return { name, dims: [...shape], data_type: DataType.FLOAT, raw_data: bytes };
}

/** An int64 tensor as a TensorProto object (raw_data). */
export function int64TensorProto(name: string, shape: readonly number[], values: readonly number[]): RawTensor {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    view.setBigInt64(i * 8, BigInt(v), true);
  });
  return { name, dims: [...shape], data_type: DataType.INT64, raw_data: bytes };
}

export interface TensorFileLimits extends ScanLimits {
  /** Refuse files larger than this (default 1 GiB, as for models). */
  readonly maxBytes?: number;
}

export const DEFAULT_MAX_TENSOR_FILE_BYTES = 1024 ** 3;

/**
 * Reads a serialized TensorProto (.pb file as in ONNX test directories).
 * @example
 * readTensorProto(writeTensorProto('x', [2], new Float32Array([1, 2]))).shape // → [2]
 */
export function readTensorProto(bytes: Uint8Array, where = 'tensor', limits: TensorFileLimits = {}): OnnxTensor {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_TENSOR_FILE_BYTES;
  if (bytes.length > maxBytes) {
    throw invalidModel(where, `${bytes.length} bytes`, `is larger than the limit of ${maxBytes} bytes for a tensor file`, 'the library option maxBytes raises it');
  }
  scanWire(bytes, TensorProto, where, { what: 'TensorProto', hint: 'give a .pb file holding one serialized onnx.TensorProto', ...limits });
  let raw: RawTensor;
  try {
    raw = TensorProto.decode(bytes) as unknown as RawTensor;
  } catch (error) {
    throw invalidModel(where, `${bytes.length} bytes`, `is not a readable TensorProto (${(error as Error).message})`, 'give a .pb file holding one serialized onnx.TensorProto');
  }
  return decodeTensor(raw, where);
}

/** Serializes a float32 tensor as a TensorProto (.pb). */
export function writeTensorProto(name: string, shape: readonly number[], data: Float32Array): Uint8Array {
  return TensorProto.encode(TensorProto.fromObject(floatTensorProto(name, shape, data))).finish();
}
