/**
 * ∂W of a transposed-convolution plan on the native addon's own kernel (kernels/native/src/backward_weight.h): one
 * GEMM per group, X packed once, ∂Y gathered per tap panel into a workspace the caller owns and reuses every step.
 * The addon comes from the engine's registry (the native backend module registers it), so browser bundles, whose
 * native backend is a stub, never import it.
 */
import { type NativeAddon, defaultKernelSet } from '../engine/backends/native/addon.ts';
import { nativeAddon } from '../engine/registry.ts';
import { TconvError } from '../shape/errors.ts';
import type { Plan } from '../shape/plan.ts';

/** The plan as the addon reads it: batch, Cin, Cout, groups, then per axis (3, unit axes in front) in, out, kernel, stride, dilation, padBegin. */
export function weightGradientShape(plan: Plan): Int32Array {
  const pad = 3 - plan.rank;
  const axis = (pick: (a: Plan['axes'][number]) => number, unit: number) => [...new Array<number>(pad).fill(unit), ...plan.axes.map(pick)];
  return Int32Array.from([
    plan.batch, plan.inChannels, plan.outChannels, plan.groups,
    ...axis((a) => a.input, 1), ...axis((a) => a.output, 1), ...axis((a) => a.kernel, 1),
    ...axis((a) => a.stride, 1), ...axis((a) => a.dilation, 1), ...axis((a) => a.padBegin, 0),
  ]);
}

export interface NativeWeightGradient {
  readonly addon: NativeAddon;
  readonly kernelSet: string;
  readonly shape: Int32Array;
  readonly threads: number;
  /** Floats of workspace the addon needs for this plan and thread count. */
  readonly workspaceFloats: number;
}

/**
 * The addon, its best kernel set and the workspace size for a plan; null when the loaded addon is an older build
 * without the backward kernels (the caller then takes the swapped-conv route), a named error when there is no addon.
 * @example
 * const k = nativeWeightGradient(plan, 1); k?.addon.weightGradient(k.shape, k.kernelSet, x, gy, dw, new Float32Array(k.workspaceFloats), 1)
 */
export function nativeWeightGradient(plan: Plan, threads: number): NativeWeightGradient | null {
  const addon = nativeAddon();
  if (!addon) {
    throw new TconvError({ code: 'unsupported', parameter: 'backend', value: 'native', rule: 'is not available (see `tconv doctor`)', hint: "use backend 'wasm'" });
  }
  if (typeof addon.weightGradient !== 'function' || typeof addon.weightGradientWorkspace !== 'function') return null;
  const supported = addon.capabilities().kernelSets;
  const kernelSet = defaultKernelSet(supported);
  if (!kernelSet) {
    throw new TconvError({
      code: 'unsupported', parameter: 'TCONV_NATIVE_KERNELS', value: process.env.TCONV_NATIVE_KERNELS, rule: `is not a kernel set this CPU supports (${supported.join(', ')})`,
      hint: 'unset TCONV_NATIVE_KERNELS or name one of those',
    });
  }
  const shape = weightGradientShape(plan);
  return { addon, kernelSet, shape, threads, workspaceFloats: addon.weightGradientWorkspace(shape, kernelSet, threads) };
}
