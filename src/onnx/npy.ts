/**
 * NumPy .npy files (format versions 1–3): a magic string, a Python-dict header with descr, fortran_order and shape,
 * then the raw little-endian elements. tconv reads float32/float64/int32/int64/uint8/bool C-order arrays and writes
 * float32. Declared sizes are checked against the bytes present before anything is allocated.
 */
import { TconvError } from '../shape/errors.ts';
import { MAX_TENSOR_ELEMENTS } from '../shape/plan.ts';
import type { Tensor } from '../tensor/tensor.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

function invalidNpy(rule: string, value: unknown = 'file'): TconvError {
  return new TconvError({ code: 'invalid-value', parameter: '.npy', value, rule, hint: 'save the array with numpy.save(path, array.astype("float32"))' });
}

const DESCRS: Readonly<Record<string, { bytes: number; read: (v: DataView, offset: number) => number }>> = {
  '<f4': { bytes: 4, read: (v, o) => v.getFloat32(o, true) },
  '<f8': { bytes: 8, read: (v, o) => v.getFloat64(o, true) },
  '<i4': { bytes: 4, read: (v, o) => v.getInt32(o, true) },
  '<i8': { bytes: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  '|u1': { bytes: 1, read: (v, o) => v.getUint8(o) },
  '|i1': { bytes: 1, read: (v, o) => v.getInt8(o) },
  '|b1': { bytes: 1, read: (v, o) => v.getUint8(o) },
};

/**
 * Reads a .npy file into a float32 tensor.
 * @example
 * readNpy(writeNpy({ shape: [2], data: Float32Array.of(1, 2) })).shape // → [2]
 */
export function readNpy(bytes: Uint8Array): Tensor {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) throw invalidNpy('does not start with the .npy magic string "\\x93NUMPY"');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw invalidNpy(`has format version ${major}, not 1, 2 or 3`, major);
  const headerLength = major === 1 ? view.getUint16(8, true) : bytes.length >= 12 ? view.getUint32(8, true) : Infinity;
  const start = major === 1 ? 10 : 12;
  if (start + headerLength > bytes.length) throw invalidNpy('has a header longer than the file (truncated)');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw invalidNpy('has a header without descr, fortran_order and shape', header.trim());
  const type = DESCRS[descr];
  if (!type) throw invalidNpy(`holds elements of type ${descr}, which tconv does not read (use <f4, <f8, <i4, <i8, |u1, |i1 or |b1)`, descr);
  if (fortran === 'True') throw invalidNpy('is in Fortran (column-major) order', 'fortran_order: True');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw invalidNpy('has a shape that is not a list of sizes', shapeText);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count > MAX_TENSOR_ELEMENTS) throw invalidNpy(`declares ${count} elements, over tconv's limit`, shape);
  const dataStart = start + headerLength;
  if (bytes.length - dataStart !== count * type.bytes) {
    throw invalidNpy(`holds ${bytes.length - dataStart} data bytes but shape (${shape.join(', ')}) of ${descr} needs ${count * type.bytes}`, shape);
  }
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = type.read(view, dataStart + i * type.bytes);
  return { shape, data };
}

/** Writes a float32 tensor as a version 1.0 .npy file (header padded to a multiple of 64 bytes, as NumPy does). */
export function writeNpy(t: Tensor): Uint8Array {
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + header.length + 1;
  header += `${' '.repeat((64 - (unpadded % 64)) % 64)}\n`;
  const out = new Uint8Array(10 + header.length + t.data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const dataStart = 10 + header.length;
  for (let i = 0; i < t.data.length; i++) view.setFloat32(dataStart + i * 4, t.data[i]!, true);
  return out;
}
