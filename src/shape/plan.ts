/**
 * The plan: the resolved, readonly record of one layer. Parameters are checked here, before anything is allocated,
 * and every other part of tconv (engine, analysis, faces) reads the plan instead of loose numbers.
 */
import { TconvError } from './errors.ts';
import { convOutputSize, effectiveKernel, transposedOutputSize } from './formulas.ts';
import { type AxisPhases, type GatherPhase, gatherPhases, polyphase } from './phases.ts';
import { type LayerKind, type LayerSpec, MAX_INDEX, type Rank, checkIndexRange, checkInteger, inferRank, perAxis } from './params.ts';

export interface AxisPlan {
  readonly input: number;
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
  /** Transposed: cells cropped from the start of the full output. Conv: zeros padded before the input. */
  readonly padBegin: number;
  /** Same at the end; for a transposed conv it may be negative (extra cells, PyTorch's output_padding). */
  readonly padEnd: number;
  /** Dilated kernel extent d·(k − 1) + 1. */
  readonly effectiveKernel: number;
  readonly output: number;
  /** PyTorch's symmetric form when the axis has one (padding = padBegin, outputPadding = padBegin − padEnd). */
  readonly padding: number | null;
  readonly outputPadding: number | null;
}

export interface Plan {
  readonly kind: LayerKind;
  readonly rank: Rank;
  readonly batch: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly groups: number;
  readonly bias: boolean;
  /** N, C, spatial… */
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** Transposed: (Cin, Cout/groups, k…); conv: (Cout, Cin/groups, k…). */
  readonly weightShape: readonly number[];
  readonly axes: readonly AxisPlan[];
  /** Multiply-adds × 2, over the real (non-zero) products: 2·N·Cin·(Cout/g)·∏in·∏k (transposed). */
  readonly flops: number;
  /** Bytes of input, weight, bias and output as float32. */
  readonly bytes: number;
  /** Polyphase view per axis (transposed conv only; empty for conv): what the analysis reads. */
  readonly phases: readonly AxisPhases[];
  /** Per axis, the gather phases both ops are computed by (src/shape/phases.ts): what the kernels read. */
  readonly gather: readonly (readonly GatherPhase[])[];
}

export const DEFAULT_MEMORY_LIMIT_BYTES = 4 * 1024 ** 3;
/** Largest tensor tconv allocates: indices stay int32 in the WASM and native kernels. */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

const product = (values: readonly number[]): number => values.reduce((a, b) => a * b, 1);

/** Largest kernel size or stride per axis a plan accepts. */
export const MAX_KERNEL_OR_STRIDE = 65536;

/**
 * Resolves and checks a layer.
 * @example
 * planLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 }).outputShape // → [1, 1, 63, 63]
 */
export function planLayer(spec: LayerSpec): Plan {
  checkLayerObject(spec);
  // The types require these two; a JavaScript caller who leaves one out must not get a silent size or kernel of 1.
  for (const required of ['input', 'kernel'] as const) {
    if (spec[required] === undefined) {
      throw new TconvError({
        code: 'invalid-value', parameter: required, value: undefined, rule: 'is required',
        hint: required === 'input' ? 'give the spatial input size, e.g. input: 32 or [32, 32]' : 'give the kernel size, e.g. kernel: 3 or [3, 3]',
      });
    }
  }
  const rank = inferRank(spec);
  const transposed = spec.kind === 'convTranspose';
  if (spec.kind !== 'convTranspose' && spec.kind !== 'conv') {
    throw new TconvError({
      code: 'invalid-value', parameter: 'kind', value: spec.kind,
      rule: 'must be "convTranspose" or "conv"', hint: 'choose the layer type',
    });
  }
  const input = perAxis('input', spec.input, rank, 1, 'positive', 'spatial sizes must be 1 or more');
  const kernel = perAxis('kernel', spec.kernel, rank, 1, 'positive', 'use a kernel size of 1 or more');
  const stride = perAxis('stride', spec.stride, rank, 1, 'positive', 'use a stride of 1 or more');
  const dilation = perAxis('dilation', spec.dilation, rank, 1, 'positive', 'use a dilation of 1 or more (1 = no dilation)');
  const batch = checkIndexRange('batch', checkInteger('batch', spec.batch ?? 1, 'nonNegative', 'use a batch of 0 or more'));
  const inChannels = checkIndexRange('inChannels', checkInteger('inChannels', spec.inChannels ?? 1, 'positive', 'use 1 or more channels'));
  const outChannels = checkIndexRange('outChannels', checkInteger('outChannels', spec.outChannels ?? 1, 'positive', 'use 1 or more channels'));
  const groups = checkIndexRange('groups', checkInteger('groups', spec.groups ?? 1, 'positive', 'use groups = 1 for an ordinary layer'));

  for (const [parameter, channels] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
    if (channels % groups !== 0) {
      throw new TconvError({
        code: 'groups-mismatch', parameter, value: channels, rule: `must be divisible by groups (${groups})`,
        hint: `use a multiple of ${groups} channels, or groups that divide ${channels}`,
      });
    }
  }

  // A plan lists one phase per stride residue and every kernel tap, so these two bound its own memory: refused here,
  // before a kernel of 10^11 could exhaust the heap (no real layer comes near the limit).
  for (const [parameter, values] of [['kernel', kernel], ['stride', stride]] as const) {
    values.forEach((value, axis) => {
      if (value > MAX_KERNEL_OR_STRIDE) {
        throw new TconvError({
          code: 'invalid-value', parameter: typeof spec[parameter] === 'number' ? parameter : `${parameter}[${axis}]`, value,
          rule: `must be at most ${MAX_KERNEL_OR_STRIDE} (tconv lists every tap and every stride phase of a layer)`,
          hint: `use a ${parameter} of ${MAX_KERNEL_OR_STRIDE} or less`,
        });
      }
    });
  }

  const { padBegin, padEnd } = resolvePadding(spec, rank, transposed, stride, dilation);

  const axes: AxisPlan[] = [];
  for (let a = 0; a < rank; a++) {
    const args = { input: input[a]!, kernel: kernel[a]!, stride: stride[a]!, dilation: dilation[a]!, padBegin: padBegin[a]!, padEnd: padEnd[a]! };
    checkExtent(spec, a, args, transposed);
    const output = transposed ? transposedOutputSize(args) : convOutputSize(args);
    if (output < 1) {
      const where = rank === 1 ? '' : ` on axis ${a}`;
      throw new TconvError({
        code: 'output-too-small', parameter: rank === 1 ? 'padding' : `padding[${a}]`, value: args.padBegin,
        rule: `leaves an output size of ${output}${where} (input ${args.input}, kernel ${args.kernel}, stride ${args.stride}, dilation ${args.dilation}), but every output size must be at least 1`,
        hint: transposed ? 'use less padding or a larger kernel, stride or input' : 'use more padding, a smaller kernel or dilation, or a larger input',
      });
    }
    const op = args.padBegin - args.padEnd;
    const pytorchForm = args.padBegin >= 0 && op >= 0 && (transposed ? op < Math.max(args.stride, args.dilation) : op === 0);
    axes.push({
      ...args, effectiveKernel: effectiveKernel(args.kernel, args.dilation), output,
      padding: pytorchForm ? args.padBegin : null, outputPadding: pytorchForm ? op : null,
    });
  }

  const spatialIn = axes.map((x) => x.input);
  const spatialOut = axes.map((x) => x.output);
  const kernelSize = product(kernel);
  const inputShape = [batch, inChannels, ...spatialIn];
  const outputShape = [batch, outChannels, ...spatialOut];
  const weightShape = transposed ? [inChannels, outChannels / groups, ...kernel] : [outChannels, inChannels / groups, ...kernel];
  const bias = spec.bias ?? true;
  const flops = transposed
    ? 2 * batch * inChannels * (outChannels / groups) * product(spatialIn) * kernelSize
    : 2 * batch * outChannels * (inChannels / groups) * product(spatialOut) * kernelSize;
  const elements = [product(inputShape), product(outputShape), product(weightShape), bias ? outChannels : 0];
  const bytes = 4 * elements.reduce((a, b) => a + b, 0);
  checkMemory(elements, bytes, spec.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES, outputShape);
  const phases = transposed ? axes.map((x) => polyphase(x)) : [];

  return Object.freeze({
    kind: spec.kind, rank, batch, inChannels, outChannels, groups, bias,
    inputShape: Object.freeze(inputShape), outputShape: Object.freeze(outputShape), weightShape: Object.freeze(weightShape),
    axes: Object.freeze(axes.map((x) => Object.freeze(x))), flops, bytes,
    phases: Object.freeze(phases),
    gather: Object.freeze(axes.map((x, a) => Object.freeze(gatherPhases(spec.kind, x, phases[a])))),
  });
}

/**
 * Every index a kernel forms on an axis lies within its extent: the uncropped output (in − 1)·s + d·(k − 1) + 1 of a
 * transposed conv, the padded input in + padBegin + padEnd of a conv. Each value may be in range while the extent is
 * not (dilation 2^30 with kernel 3), so the extent is bounded too.
 */
function checkExtent(
  spec: LayerSpec, axis: number,
  a: { input: number; kernel: number; stride: number; dilation: number; padBegin: number; padEnd: number }, transposed: boolean,
): void {
  const kernelExtent = effectiveKernel(a.kernel, a.dilation);
  const extent = transposed ? (a.input - 1) * a.stride + kernelExtent : a.input + a.padBegin + a.padEnd;
  if (kernelExtent <= MAX_INDEX && extent <= MAX_INDEX) return;
  const culprit = kernelExtent > MAX_INDEX ? 'dilation' : transposed ? (a.stride > 1 ? 'stride' : 'input') : spec.pads ? 'pads' : 'padding';
  const name = Array.isArray(spec[culprit]) ? `${culprit}[${axis}]` : culprit;
  const value = { dilation: a.dilation, stride: a.stride, input: a.input, padding: a.padBegin, pads: [a.padBegin, a.padEnd] }[culprit];
  throw new TconvError({
    code: 'invalid-value', parameter: name, value,
    rule: `makes axis ${axis} span ${kernelExtent > MAX_INDEX ? kernelExtent : extent} positions (${kernelExtent > MAX_INDEX ? 'dilated kernel d·(k − 1) + 1' : transposed ? 'uncropped output (in − 1)·s + d·(k − 1) + 1' : 'padded input'}), past the kernels' 32-bit index range (${MAX_INDEX})`,
    hint: `use a smaller ${culprit}`,
  });
}

/**
 * Plans a layer for arithmetic and analysis only (shapes, phases, overlap, receptive fields): nothing the size of
 * the layer's tensors will be allocated, so the memory limit does not apply unless the spec sets one.
 * @example
 * planGeometry({ kind: 'convTranspose', input: 40000, kernel: 7, stride: 2, padding: 3 }).outputShape // → [1, 1, 79999, 79999]
 */
export function planGeometry(spec: LayerSpec): Plan {
  return planLayer({ memoryLimitBytes: Infinity, ...spec });
}

/**
 * What the analysis functions take as a layer: a plan as it is, or a spec planned with planGeometry. Anything that
 * is not an object (a JavaScript caller's null) is refused by name.
 * @example
 * geometryOf({ kind: 'convTranspose', input: 8, kernel: 4, stride: 2, padding: 1 }).outputShape // → [1, 1, 16, 16]
 */
export function geometryOf(layer: LayerSpec | Plan): Plan {
  checkLayerObject(layer);
  return 'axes' in layer ? layer : planGeometry(layer);
}

/** A JavaScript caller's null (or number, or string) where a layer belongs is refused by name. */
export function checkLayerObject(layer: unknown): asserts layer is object {
  if (layer === null || typeof layer !== 'object') {
    throw new TconvError({
      code: 'invalid-value', parameter: 'layer', value: layer,
      rule: 'must be a layer spec or a plan', hint: "give e.g. { kind: 'convTranspose', input: 32, kernel: 4, stride: 2, padding: 1 }",
    });
  }
}

function resolvePadding(spec: LayerSpec, rank: Rank, transposed: boolean, stride: number[], dilation: number[]) {
  if (spec.pads) {
    if (spec.padding !== undefined) {
      throw new TconvError({
        code: 'invalid-value', parameter: 'pads', value: [...spec.pads.begin, ...spec.pads.end],
        rule: 'cannot be given together with padding', hint: 'give either symmetric padding or begin/end pads',
      });
    }
    const begin = transposed ? checkedPadsBegin(spec, rank, stride, dilation)
      : perAxis('pads.begin', spec.pads.begin, rank, 0, 'nonNegative', 'pads are never negative');
    const end = perAxis('pads.end', spec.pads.end, rank, 0, 'nonNegative', 'pads are never negative');
    const op = transposed ? checkedOutputPadding(spec, rank, stride, dilation) : new Array<number>(rank).fill(0);
    return { padBegin: begin, padEnd: end.map((e, a) => e - op[a]!) };
  }
  const padding = perAxis('padding', spec.padding, rank, 0, 'nonNegative', 'use padding 0 or more');
  if (!transposed) {
    if (spec.outputPadding !== undefined && perAxis('outputPadding', spec.outputPadding, rank, 0, 'any', 'remove outputPadding from this conv layer').some((v) => v !== 0)) {
      throw new TconvError({
        code: 'invalid-value', parameter: 'outputPadding', value: spec.outputPadding,
        rule: 'only applies to transposed convolutions', hint: 'remove outputPadding from this conv layer',
      });
    }
    return { padBegin: padding, padEnd: padding };
  }
  const op = checkedOutputPadding(spec, rank, stride, dilation);
  return { padBegin: padding, padEnd: padding.map((p, a) => p - op[a]!) };
}

/**
 * Transposed pads.begin may be negative: zero (bias-only) cells before the output, the mirror of output_padding and
 * bounded the same way, −begin < max(stride, dilation). tfjs's conv3dTranspose 'same' makes them (kernel < stride).
 */
function checkedPadsBegin(spec: LayerSpec, rank: Rank, stride: number[], dilation: number[]): number[] {
  const begin = perAxis('pads.begin', spec.pads!.begin, rank, 0, 'any', 'pads.begin is a whole number of cells');
  begin.forEach((value, a) => {
    const limit = Math.max(stride[a]!, dilation[a]!);
    if (-value >= limit) {
      throw new TconvError({
        code: 'invalid-value', parameter: `pads.begin[${a}]`, value,
        rule: `adds ${-value} zero cell(s) before the output, but at most max(stride, dilation) − 1 = ${limit - 1} can be added (as with outputPadding at the end)`,
        hint: limit === 1 ? 'use pads.begin 0 or more' : `use pads.begin ${1 - limit} or more`,
      });
    }
  });
  return begin;
}

/** PyTorch: 0 ≤ output_padding < max(stride, dilation). */
function checkedOutputPadding(spec: LayerSpec, rank: Rank, stride: number[], dilation: number[]): number[] {
  const op = perAxis('outputPadding', spec.outputPadding, rank, 0, 'nonNegative', 'use outputPadding 0 or more');
  op.forEach((value, a) => {
    const limit = Math.max(stride[a]!, dilation[a]!);
    if (value >= limit) {
      const name = typeof spec.outputPadding === 'number' ? 'outputPadding' : `outputPadding[${a}]`;
      throw new TconvError({
        code: 'output-padding-too-large', parameter: name, value,
        rule: `must be smaller than stride (${stride[a]}) or dilation (${dilation[a]})`,
        hint: limit === 1 ? 'use outputPadding 0' : `use outputPadding ${Array.from({ length: limit }, (_, i) => i).join(limit === 2 ? ' or ' : ', ')}`,
      });
    }
  });
  return op;
}

/**
 * Refuses tensors over the memory limit (or a typed array's element limit) before anything is allocated: `elements`
 * per tensor, `bytes` in all, named by the output shape. Also used by the engine's ops that are not planned layers.
 */
export function checkMemory(elements: readonly number[], bytes: number, limit: number, outputShape: readonly number[]): void {
  checkMemoryLimit(limit);
  if (limit === Infinity) return; // geometry only: see planGeometry
  const largest = elements.reduce((m, n) => Math.max(m, n), 0);
  if (largest > MAX_TENSOR_ELEMENTS || bytes > limit) {
    throw new TconvError({
      code: 'memory-limit', parameter: 'outputShape', value: [...outputShape],
      rule: `needs ${(bytes / 1024 ** 3).toFixed(2)} GiB of tensors (largest ${largest} elements), over the limit of ${(limit / 1024 ** 3).toFixed(2)} GiB or ${MAX_TENSOR_ELEMENTS} elements per tensor`,
      hint: 'use a smaller batch or input, or raise memoryLimitBytes',
    });
  }
}

/**
 * The limit itself: a positive number of bytes (Infinity: no limit). NaN or a string would compare false against
 * every size and silently turn the budget off.
 * @example
 * checkMemoryLimit(2 ** 30) // passes; checkMemoryLimit(NaN) throws naming memoryLimitBytes
 */
export function checkMemoryLimit(limit: unknown): asserts limit is number {
  if (typeof limit !== 'number' || Number.isNaN(limit) || limit <= 0) {
    throw new TconvError({
      code: 'invalid-value', parameter: 'memoryLimitBytes', value: limit,
      rule: 'must be a positive number of bytes',
      hint: `give a number such as ${DEFAULT_MEMORY_LIMIT_BYTES} (4 GiB, the default), or leave it out`,
    });
  }
}
