/**
 * The committed PyTorch golden vectors (test/fixtures/pytorch/*.json, from scripts/gen-pytorch-vectors.py) and how a
 * case runs on a backend. Attributes are in ONNX naming and go through the ONNX convention (src/shape/conventions/onnx.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendName } from '../../src/engine/backend.ts';
import { conv, convTranspose, tensor, type Tensor } from '../../src/engine/index.ts';
import { fromOnnx, type OnnxAttributes } from '../../src/shape/conventions/onnx.ts';

export interface VectorTensor { shape: number[]; data: number[] }
export interface VectorCase {
  name: string;
  op: 'ConvTranspose' | 'Conv';
  attributes: OnnxAttributes;
  inputs: { X: VectorTensor; W: VectorTensor; B?: VectorTensor };
  outputs?: { Y: VectorTensor };
  expect?: 'failure';
  error?: string;
}

export const VECTOR_DIR = fileURLToPath(new URL('../fixtures/pytorch/', import.meta.url));
export const vectorFiles = (): string[] => readdirSync(VECTOR_DIR).filter((f) => f.endsWith('.json')).sort();
export const vectorCases = (file: string): VectorCase[] => (JSON.parse(readFileSync(join(VECTOR_DIR, file), 'utf8')) as { cases: VectorCase[] }).cases;

/** Runs a case with the engine's public ops on the given backend. */
export function runVector(c: VectorCase, backend: BackendName): Tensor {
  const spec = fromOnnx({ op: c.op, attributes: c.attributes, inputShape: c.inputs.X.shape, weightShape: c.inputs.W.shape });
  const options = { stride: spec.stride, dilation: spec.dilation, groups: spec.groups, pads: spec.pads, outputPadding: spec.outputPadding, backend };
  const x = tensor(c.inputs.X.shape, c.inputs.X.data);
  const w = tensor(c.inputs.W.shape, c.inputs.W.data);
  const b = c.inputs.B ? tensor(c.inputs.B.shape, c.inputs.B.data) : null;
  return c.op === 'Conv' ? conv(x, w, b, options) : convTranspose(x, w, b, options);
}
