/**
 * Element types as the ops compute them. Values live in Float32Array (float, double, float16, bfloat16) or
 * Float64Array (integers and bool, exact to 2^53). A result of type float16 or bfloat16 is rounded to that type
 * (round to nearest, ties to even), so it holds exactly the numbers a runtime computing in that type would store;
 * an integer result wraps to its type's range as the runtimes' fixed-width arithmetic does.
 */
import { unsupported } from '../errors.ts';
import type { OnnxNode } from '../model.ts';
import { DATA_TYPE_NAMES, DataType } from '../schema.ts';
import { type OnnxTensor, isFloating } from '../tensor-proto.ts';
import type { Shape } from './types.ts';

/** Round to a binary floating format with `mantissa` stored bits and normal exponents [minExp, maxExp]. */
function roundToFormat(v: number, mantissa: number, minExp: number, maxExp: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const a = Math.abs(v);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const quantum = 2 ** (Math.max(e, minExp) - mantissa);
  const y = a / quantum;
  const f = Math.floor(y);
  const rest = y - f;
  const n = rest > 0.5 || (rest === 0.5 && f % 2 === 1) ? f + 1 : f;
  const r = n * quantum;
  const largest = (2 - 2 ** -mantissa) * 2 ** maxExp;
  return Math.sign(v) * (r > largest ? Infinity : r);
}

/**
 * `v` as the nearest float16 (IEEE binary16), ties to even.
 * @example
 * toFloat16(0.1) // → 0.0999755859375
 */
export function toFloat16(v: number): number {
  return roundToFormat(v, 10, -14, 15);
}

/** `v` as the nearest bfloat16, ties to even. */
export function toBfloat16(v: number): number {
  return roundToFormat(v, 7, -126, 127);
}

/** Rounds float results in place to the storage precision of `dataType` (float16, bfloat16; others unchanged). */
export function roundFloats(dataType: number, data: Float32Array): Float32Array {
  if (dataType === DataType.FLOAT16) for (let i = 0; i < data.length; i++) data[i] = toFloat16(data[i]!);
  else if (dataType === DataType.BFLOAT16) for (let i = 0; i < data.length; i++) data[i] = toBfloat16(data[i]!);
  return data;
}

/** A floating result of type `dataType` (float results of a float16 input are float16, and rounded). */
export function floatResult(dataType: number, shape: Shape, data: Float32Array): OnnxTensor {
  const type = isFloating(dataType) ? dataType : DataType.FLOAT;
  return { name: '', dataType: type, shape, data: roundFloats(type, data) };
}

const INTEGER_RANGE: Readonly<Record<number, readonly [number, number]>> = {
  [DataType.UINT8]: [0, 2 ** 8], [DataType.INT8]: [-(2 ** 7), 2 ** 8], [DataType.UINT16]: [0, 2 ** 16],
  [DataType.INT16]: [-(2 ** 15), 2 ** 16], [DataType.UINT32]: [0, 2 ** 32], [DataType.INT32]: [-(2 ** 31), 2 ** 32],
};

/**
 * An integer value wrapped to the range of `dataType` (two's complement); int64 and uint64 values beyond ±2^53
 * cannot be held exactly and are refused.
 * @example
 * wrapInteger(DataType.UINT8, 300) // → 44
 */
export function wrapInteger(dataType: number, v: number, node?: OnnxNode): number {
  const range = INTEGER_RANGE[dataType];
  if (range === undefined) {
    if (dataType === DataType.BOOL) return v !== 0 ? 1 : 0;
    if (!Number.isSafeInteger(v)) {
      throw unsupported(`${node?.name ?? 'value'}.output`, v, `is an ${DATA_TYPE_NAMES[dataType] ?? dataType} result beyond ±2^53, which tconv cannot hold exactly`, 'keep integer arithmetic within ±2^53');
    }
    return v;
  }
  const [low, span] = range;
  return ((((v - low) % span) + span) % span) + low;
}

export function isInteger(dataType: number): boolean {
  return !isFloating(dataType) && dataType !== DataType.STRING && dataType !== DataType.UNDEFINED;
}
