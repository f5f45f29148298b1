/** Shared by the native tests: the kernel sets this machine can run, or the reason the addon is missing. */
import assert from 'node:assert/strict';
import { loadAddon } from '../../src/engine/backends/native/addon.ts';
import { type KernelSetName, createNativeBackend } from '../../src/engine/backends/native/index.ts';
import type { Plan } from '../../src/shape/plan.ts';
import { type ReferenceCase, expectMatchesReference } from '../helpers/reference-case.ts';

const status = loadAddon();

/** `false` when the addon is loaded, else the reason every native test is skipped. */
export const skipReason: string | false = status.addon ? false : `native addon not built: ${status.reason}`;

export const kernelSets: readonly KernelSetName[] = status.addon
  ? (status.addon.capabilities().kernelSets as KernelSetName[])
  : [];

/**
 * Runs a depthwise plan on every kernel set's depthwise rows at 1 and 2 threads and asserts the bits of the packed
 * GEMM (the same products summed in the same order; ±0 alike), and with `reference` also the float64 agreement.
 * Returns how many SIMD sets ran the rows (the portable set has none).
 */
export function expectDepthwiseLikePacked(plan: Plan, c: ReferenceCase, where: string, reference = false): number {
  let simd = 0;
  for (const kernelSet of kernelSets) {
    const depthwise = createNativeBackend({ kernelSet, layout: 'depthwise' });
    if (!depthwise.layout(plan, c.weight).depthwise) continue;
    const packed = new Float32Array(c.expected.length).fill(Number.NaN);
    createNativeBackend({ kernelSet, layout: 'packed' }).conv({ plan, input: c.input, weight: c.weight, bias: c.bias, output: packed, threads: 1 });
    for (const threads of [1, 2]) {
      if (reference) expectMatchesReference(depthwise, c, threads, `${kernelSet}, depthwise, ${threads} thread(s), ${where}`);
      const output = new Float32Array(c.expected.length).fill(Number.NaN);
      depthwise.conv({ plan, input: c.input, weight: c.weight, bias: c.bias, output, threads });
      const differ = output.findIndex((v, i) => !Object.is(v, packed[i]) && !(v === 0 && packed[i] === 0));
      assert.equal(differ, -1, `${kernelSet}, depthwise rows, ${threads} thread(s) differ from packed at ${differ}; ${where}`);
    }
    if (kernelSet !== 'scalar') simd++;
  }
  return simd;
}
