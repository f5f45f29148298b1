/** Tensor files by extension: .pb (one serialized onnx.TensorProto) and .npy (NumPy). Node only (file system). */
import { readFileSync, writeFileSync } from 'node:fs';
import { TconvError } from '../shape/errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { readNpy, writeNpy } from './npy.ts';
import { readTensorProto, writeTensorProto } from './tensor-proto.ts';

function formatOf(path: string, option: string): 'pb' | 'npy' {
  if (path.endsWith('.pb')) return 'pb';
  if (path.endsWith('.npy')) return 'npy';
  throw new TconvError({ code: 'usage', parameter: option, value: path, rule: 'must name a .pb (TensorProto) or .npy file', hint: 'use a file ending in .pb or .npy' });
}

function readBytes(path: string, option: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TconvError({ code: 'usage', parameter: option, value: path, rule: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, hint: 'check the path' });
  }
}

/**
 * @example
 * readTensorFile('x.npy').shape // → [1, 16, 1, 1]
 */
export function readTensorFile(path: string, option = '--input'): Tensor {
  const format = formatOf(path, option);
  const bytes = readBytes(path, option);
  if (format === 'npy') return readNpy(bytes);
  const t = readTensorProto(bytes, path);
  return { shape: t.shape, data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data) };
}

export function writeTensorFile(path: string, name: string, t: Tensor, option = '--output'): void {
  const format = formatOf(path, option);
  writeFileSync(path, format === 'npy' ? writeNpy(t) : writeTensorProto(name, t.shape, t.data));
}
