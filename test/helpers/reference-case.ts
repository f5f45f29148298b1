/**
 * One random problem for a plan, with the float64 reference's answer: what every fast-backend test compares
 * against. Outputs are poisoned with NaN so an element a backend forgets to write fails the comparison.
 */
import assert from 'node:assert/strict';
import type { KernelArgs } from '../../src/engine/backend.ts';
import { referenceBackend } from '../../src/engine/backends/reference.ts';
import type { Plan } from '../../src/shape/plan.ts';
import { relativeL2Error } from '../../src/tensor/compare.ts';
import type { Rng } from '../../src/tensor/rng.ts';

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function randomArray(rng: Rng, length: number): Float32Array {
  const data = new Float32Array(length);
  for (let i = 0; i < length; i++) data[i] = rng.uniform(-1, 1);
  return data;
}

export interface ReferenceCase {
  readonly plan: Plan;
  readonly input: Float32Array;
  readonly weight: Float32Array;
  readonly bias: Float32Array | null;
  readonly expected: Float32Array;
  readonly run: 'convTranspose' | 'conv';
}

export function referenceCase(plan: Plan, rng: Rng): ReferenceCase {
  const input = randomArray(rng, sizeOf(plan.inputShape));
  const weight = randomArray(rng, sizeOf(plan.weightShape));
  const bias = plan.bias ? randomArray(rng, plan.outChannels) : null;
  const expected = new Float32Array(sizeOf(plan.outputShape));
  const run = plan.kind === 'convTranspose' ? 'convTranspose' : 'conv';
  referenceBackend[run]({ plan, input, weight, bias, output: expected });
  return { plan, input, weight, bias, expected, run };
}

/** Runs a backend on the case into a NaN-poisoned buffer and asserts relative L2 < 1e-5 against the reference. */
export function expectMatchesReference(
  backend: Record<'convTranspose' | 'conv', (args: KernelArgs) => void>, c: ReferenceCase, threads: number, label: string,
): void {
  const output = new Float32Array(c.expected.length).fill(Number.NaN);
  backend[c.run]({ plan: c.plan, input: c.input, weight: c.weight, bias: c.bias, output, threads });
  const rel = relativeL2Error(output, c.expected);
  assert.ok(rel < 1e-5, `${label}: relative L2 ${rel}`);
}
