/**
 * A pass over the protobuf wire format before protobufjs decodes a file. protobufjs builds one JavaScript value per
 * element of a repeated field, so a few bytes can become tens of bytes of heap (one varint byte → one Long object):
 * a 150 MB file packing 75M `dims` decodes into gigabytes. This walk allocates nothing, counts what decoding would
 * build (messages, repeated elements, strings) and refuses before decoding when the estimate passes the limit or a
 * tensor declares more axes than any tensor has. Iterative (an explicit stack), so nesting cannot overflow the stack.
 */
import protobuf from 'protobufjs/light.js';
import { invalidModel } from './errors.ts';

export interface ScanLimits {
  /** What the bytes should be, for messages ("ONNX protobuf"), and how to fix a broken file. */
  readonly what?: string;
  readonly hint?: string;
  /** Refuse when decoding would build more than about this many bytes of JavaScript objects (default 256 MiB). */
  readonly maxDecodedBytes?: number;
}

/** Default estimate of decoded heap allowed for one file. */
export const DEFAULT_MAX_DECODED_BYTES = 256 * 1024 ** 2;
/** Axes a tensor or shape may declare: ONNX has no limit, but no real tensor comes near it. */
export const MAX_TENSOR_RANK = 64;
/** Messages nested deeper than this (graphs inside attributes inside graphs…) are refused. */
export const MAX_NESTING = 64;

// Rough heap cost of what protobufjs builds, in bytes: a message object, an array slot holding a number,
// a Long object (int64 fields), a string or bytes view.
const COST = { message: 160, number: 8, long: 48, string: 64 } as const;
const VARINT_64 = new Set(['int64', 'uint64', 'sint64']);
const VARINT_32 = new Set(['int32', 'uint32', 'sint32', 'bool', 'enum']);
const FIXED_32 = new Set(['float', 'fixed32', 'sfixed32']);
const FIXED_64 = new Set(['double', 'fixed64', 'sfixed64']);
/** Repeated fields that list the axes of a shape (TensorProto.dims, TensorShapeProto.dim). */
const AXIS_FIELDS = new Set(['onnx.TensorProto.dims', 'onnx.TensorShapeProto.dim']);

const resolved = new WeakSet<protobuf.Namespace>();

interface Frame {
  readonly type: protobuf.Type;
  readonly end: number;
  /** Elements seen so far in the axis field of this message, when it has one. */
  axes: number;
}

/**
 * Walks `bytes` as a message of `type`; throws an 'invalid-model' TconvError naming `where` when the estimate of
 * decoded memory passes the limit, a tensor declares more than MAX_TENSOR_RANK axes, or the wire format is broken.
 * @example
 * scanWire(readFileSync('model.onnx'), ModelProto, 'file') // → estimated decoded bytes, e.g. 51234
 */
export function scanWire(bytes: Uint8Array, type: protobuf.Type, where: string, limits: ScanLimits = {}): number {
  const limit = limits.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES;
  if (!resolved.has(type.root)) { type.root.resolveAll(); resolved.add(type.root); }
  const broken = (detail: string) => invalidModel(where, `${bytes.length} bytes`, `is not a readable ${limits.what ?? type.name} (${detail})`, limits.hint);
  let pos = 0;
  let estimate = COST.message;
  const stack: Frame[] = [{ type, end: bytes.length, axes: 0 }];
  const varint = (): number => {
    // Only the position matters here: skip up to ten bytes, the longest varint.
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) throw broken('a number runs past the end');
      if ((bytes[pos++]! & 0x80) === 0) return i;
    }
    throw broken('a number is longer than ten bytes');
  };
  const length = (): number => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= bytes.length) throw broken('a length runs past the end');
      const b = bytes[pos++]!;
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
    throw broken('a length is too large');
  };
  const countAxes = (frame: Frame, field: protobuf.Field, n: number) => {
    if (!AXIS_FIELDS.has(`${frame.type.fullName.slice(1)}.${field.name}`)) return;
    frame.axes += n;
    if (frame.axes > MAX_TENSOR_RANK) {
      throw invalidModel(`${where}: ${frame.type.name}.${field.name}`, `more than ${MAX_TENSOR_RANK} values`, `declares more axes than tconv reads (at most ${MAX_TENSOR_RANK})`);
    }
  };
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (pos >= frame.end) {
      if (pos > frame.end) throw broken('a message runs past its declared length');
      stack.pop();
      continue;
    }
    const key = length();
    const id = Math.floor(key / 8);
    const wire = key % 8;
    const field = frame.type.fieldsById[id];
    const repeated = field?.repeated ?? false;
    switch (wire) {
      case 0:
        varint();
        if (field && repeated) { estimate += VARINT_64.has(field.type) ? COST.long : COST.number; countAxes(frame, field, 1); }
        break;
      case 1:
        pos += 8;
        if (field && repeated) estimate += COST.number;
        break;
      case 5:
        pos += 4;
        if (field && repeated) estimate += COST.number;
        break;
      case 2: {
        const size = length();
        const end = pos + size;
        if (end > frame.end) throw broken('a field runs past the end of its message');
        const resolved = field?.resolvedType;
        if (field && resolved instanceof protobuf.Type) {
          if (stack.length >= MAX_NESTING) throw broken(`messages nest deeper than ${MAX_NESTING} levels`);
          estimate += COST.message;
          if (repeated) countAxes(frame, field, 1);
          stack.push({ type: resolved, end, axes: 0 });
          continue; // the child's bytes are walked next
        }
        if (field && repeated && (VARINT_64.has(field.type) || VARINT_32.has(field.type) || resolved instanceof protobuf.Enum)) {
          // A packed varint list: one element per byte without the continuation bit.
          let n = 0;
          for (let i = pos; i < end; i++) if ((bytes[i]! & 0x80) === 0) n++;
          estimate += n * (VARINT_64.has(field.type) ? COST.long : COST.number);
          countAxes(frame, field, n);
        } else if (field && repeated && FIXED_32.has(field.type)) {
          estimate += (size / 4) * COST.number;
        } else if (field && repeated && FIXED_64.has(field.type)) {
          estimate += (size / 8) * COST.number;
        } else if (field) {
          estimate += COST.string; // strings and bytes (bytes are views into the file, strings are copies)
          if (field.type === 'string') estimate += size * 2;
        }
        pos = end;
        break;
      }
      default:
        throw broken(`wire type ${wire} is not used by ONNX`);
    }
    if (pos > frame.end) throw broken('a field runs past the end of its message');
    if (estimate > limit) {
      throw invalidModel(where, `${bytes.length} bytes`, `would decode into more than ${formatMiB(limit)} of objects (repeated fields of ${(estimate / 1024 ** 2).toFixed(0)}+ MiB)`,
        'real models keep their weights in raw_data (onnx.save writes them so); the library option maxDecodedBytes raises this limit');
    }
  }
  return estimate;
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}
