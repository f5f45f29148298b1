/**
 * Alternatives and equivalences: the polyphase view of a transposed layer (its stride^rank sub-kernels), its exact
 * rewrite as "stride-1 convolution + pixel shuffle + crop" (sub-pixel convolution) and back, the resize-convolution
 * with the same output size, and ICNR-style initialisation that starts a pixel-shuffle or transposed layer
 * artifact-free.
 *
 * Sub-pixel rewrite, one axis, d = 1: with full index f = s·q + r and M = ⌈k/s⌉,
 *   y_full[s·q + r] = Σ_m x[q − m]·W[r + m·s]  =  conv(x padded by M − 1, V_r)[q]  with  V_r[t] = W[r + (M − 1 − t)·s],
 * so a conv with s^rank·Cout channels, kernel M and padding M − 1, pixel-shuffled by s and cropped by padBegin, is the
 * transposed conv exactly (same products, reordered).
 */
import { TconvError } from '../shape/errors.ts';
import type { LayerOptions, LayerSpec, Rank } from '../shape/params.ts';
import { type Plan, geometryOf, planLayer } from '../shape/plan.ts';
import { conv, pixelShuffle } from '../engine/index.ts';
import type { BackendChoice } from '../engine/backend.ts';
import { randomTensor } from '../tensor/random.ts';
import { type Tensor, tensor } from '../tensor/tensor.ts';
import type { StackLayer } from './stack.ts';

export interface PhaseView {
  /** Per axis: the outputs o ≡ outputResidue (mod s) belong to this phase. */
  readonly outputResidue: readonly number[];
  /** Per axis: the kernel taps feeding the phase. */
  readonly taps: readonly (readonly number[])[];
  /** Per axis: tap t reads input j + inputOffsets[t] for the phase's output j. */
  readonly inputOffsets: readonly (readonly number[])[];
  /** Per axis: how many outputs the phase has. */
  readonly outputCount: readonly number[];
  /** The phase's sub-kernel (Cin, Cout/groups, taps…) when a weight was given. */
  readonly subKernel: Tensor | null;
}

/**
 * The stride^rank phases of a transposed layer, each an ordinary stride-1 correlation with a sub-kernel.
 * @example
 * polyphaseView(planLayer({ kind: 'convTranspose', input: 8, kernel: 3, stride: 2, padding: 1 })).map((p) => p.taps)
 * // → [[[1], [1]], [[1], [0, 2]], [[0, 2], [1]], [[0, 2], [0, 2]]]
 */
export function polyphaseView(layer: LayerSpec | Plan, weight?: Tensor): PhaseView[] {
  const plan = geometryOf(layer);
  if (plan.kind !== 'convTranspose') {
    throw new TconvError({ code: 'unsupported', parameter: 'kind', value: plan.kind, rule: 'has no polyphase view', hint: 'use a transposed convolution' });
  }
  const lists = plan.phases.map((a) => a.phases);
  const views: PhaseView[] = [];
  const walk = (axis: number, chosen: number[]): void => {
    if (axis === lists.length) {
      const phases = chosen.map((p, a) => lists[a]![p]!);
      views.push({
        outputResidue: phases.map((p) => p.outputResidue), taps: phases.map((p) => p.taps),
        inputOffsets: phases.map((p) => p.inputOffsets), outputCount: phases.map((p) => p.outputCount),
        subKernel: weight ? subKernel(weight, plan, phases.map((p) => p.taps)) : null,
      });
      return;
    }
    for (let p = 0; p < lists[axis]!.length; p++) walk(axis + 1, [...chosen, p]);
  };
  walk(0, []);
  return views;
}

function subKernel(weight: Tensor, plan: Plan, taps: readonly (readonly number[])[]): Tensor {
  const [cin, cout, ...kernel] = plan.weightShape as [number, number, ...number[]];
  const shape = [cin, cout, ...taps.map((t) => t.length)];
  const out = tensor(shape);
  const kernelSize = kernel.reduce((a, b) => a * b, 1);
  let n = 0;
  for (let c = 0; c < cin * cout; c++) {
    const each = (axis: number, offset: number): void => {
      if (axis === taps.length) { out.data[n++] = weight.data[c * kernelSize + offset]!; return; }
      for (const k of taps[axis]!) each(axis + 1, offset * kernel[axis]! + k);
    };
    each(0, 0);
  }
  return out;
}

export interface SubPixelLayer {
  /** Stride-1 convolution: weight (Cout·s^rank, Cin, M…), bias (Cout·s^rank) or null. */
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /** Padding of the convolution, per axis. */
  readonly pads: { readonly begin: readonly number[]; readonly end: readonly number[] };
  /** Pixel-shuffle factor (the transposed layer's stride). */
  readonly factor: number;
  /** After the shuffle, keep [begin, begin + size) per axis. */
  readonly crop: { readonly begin: readonly number[]; readonly size: readonly number[] };
}

function unsupported(parameter: string, value: unknown, rule: string, hint: string): TconvError {
  return new TconvError({ code: 'unsupported', parameter, value, rule, hint });
}

/**
 * Rewrites a transposed conv (groups 1, dilation 1, one stride on every axis) as conv + pixel shuffle + crop.
 * @example
 * const w = randomTensor([3, 2, 4, 4], 1);
 * const sp = toSubPixel(w, null, { kernel: 4, stride: 2, padding: 1 }, [8, 8]);
 * sp.weight.shape // → [8, 3, 2, 2]
 */
export function toSubPixel(weight: Tensor, bias: Tensor | null, options: LayerOptions, input: readonly number[]): SubPixelLayer {
  const rank = (weight.shape.length - 2) as Rank;
  const plan = planLayer({ ...options, kind: 'convTranspose', input: [...input], rank, inChannels: weight.shape[0]!, outChannels: weight.shape[1]! * (options.groups ?? 1), bias: bias != null });
  if (plan.groups !== 1) throw unsupported('groups', plan.groups, 'must be 1 for the sub-pixel rewrite', 'split a grouped layer into one layer per group first');
  const axes = plan.axes;
  const dilated = axes.findIndex((a) => a.dilation !== 1);
  if (dilated >= 0) throw unsupported('dilation', axes.map((a) => a.dilation), 'must be 1 for the sub-pixel rewrite', 'use an undilated layer');
  const s = axes[0]!.stride;
  if (axes.some((a) => a.stride !== s)) throw unsupported('stride', axes.map((a) => a.stride), 'must be the same on every axis for a pixel shuffle', 'use one stride for all axes');
  // The shuffled conv output starts at the full output's first cell: it cannot add cells before it.
  if (axes.some((a) => a.padBegin < 0)) throw unsupported('pads.begin', axes.map((a) => a.padBegin), 'must be 0 or more for the sub-pixel rewrite (it crops, it cannot add cells before the output)', 'use pads.begin 0 or more');
  const [cin, cout, ...kernel] = plan.weightShape as [number, number, ...number[]];
  const M = kernel.map((k) => Math.ceil(k / s));
  const group = s ** rank;
  const convShape = [cout * group, cin, ...M];
  const w = tensor(convShape);
  const kernelSize = kernel.reduce((a, b) => a * b, 1);
  const subSize = M.reduce((a, b) => a * b, 1);
  const r = new Array<number>(rank).fill(0);
  const t = new Array<number>(rank).fill(0);
  for (let c = 0; c < cout; c++) for (let sub = 0; sub < group; sub++) {
    let rest = sub;
    for (let a = rank - 1; a >= 0; a--) { r[a] = rest % s; rest = Math.floor(rest / s); }
    for (let ci = 0; ci < cin; ci++) for (let flat = 0; flat < subSize; flat++) {
      let left = flat;
      for (let a = rank - 1; a >= 0; a--) { t[a] = left % M[a]!; left = Math.floor(left / M[a]!); }
      // V_r[t] = W[r + (M − 1 − t)·s], zero where that tap is past the kernel's end.
      let offset = 0;
      let inside = true;
      for (let a = 0; a < rank; a++) {
        const k = r[a]! + (M[a]! - 1 - t[a]!) * s;
        if (k >= kernel[a]!) inside = false;
        offset = offset * kernel[a]! + k;
      }
      if (inside) w.data[((c * group + sub) * cin + ci) * subSize + flat] = weight.data[(ci * cout + c) * kernelSize + offset]!;
    }
  }
  const b = bias ? tensor([cout * group], Float32Array.from({ length: cout * group }, (_, i) => bias.data[Math.floor(i / group)]!)) : null;
  const end = axes.map((a, i) => {
    const needed = a.padBegin + a.output; // the last shuffled cell we keep
    const have = (a.input + M[i]! - 1) * s;
    return M[i]! - 1 + Math.max(0, Math.ceil((needed - have) / s));
  });
  return {
    weight: w, bias: b, factor: s,
    pads: { begin: M.map((m) => m - 1), end },
    crop: { begin: axes.map((a) => a.padBegin), size: axes.map((a) => a.output) },
  };
}

/** Runs a sub-pixel layer: conv, pixel shuffle, crop. */
export function applySubPixel(x: Tensor, layer: SubPixelLayer, backend: BackendChoice = 'reference'): Tensor {
  const y = conv(x, layer.weight, layer.bias, { pads: layer.pads, backend });
  return crop(pixelShuffle(y, layer.factor), layer.crop.begin, layer.crop.size);
}

/** Keeps [begin, begin + size) of every spatial axis of an N, C, spatial… tensor. */
export function crop(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  const [n, c, ...spatial] = x.shape as [number, number, ...number[]];
  const out = tensor([n, c, ...size]);
  const rank = spatial.length;
  const total = size.reduce((a, b) => a * b, 1);
  const position = new Array<number>(rank).fill(0);
  for (let plane = 0; plane < n * c; plane++) for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    for (let a = rank - 1; a >= 0; a--) { position[a] = rest % size[a]!; rest = Math.floor(rest / size[a]!); }
    let source = 0;
    for (let a = 0; a < rank; a++) source = source * spatial[a]! + position[a]! + begin[a]!;
    out.data[plane * total + flat] = x.data[plane * spatial.reduce((p, q) => p * q, 1) + source]!;
  }
  return out;
}

/**
 * The way back: a stride-1 conv (weight (Cout·s^rank, Cin, M…), pads ≤ M − 1) followed by a pixel shuffle by s is a
 * transposed conv with kernel M·s, stride s and pads s·(M − 1 − pad) at each end.
 * @example
 * fromSubPixel(randomTensor([8, 3, 2, 2], 1), null, { begin: [1, 1], end: [1, 1] }, 2).options
 * // → { kernel: [4, 4], stride: 2, pads: { begin: [0, 0], end: [0, 0] } }
 */
export function fromSubPixel(
  weight: Tensor, bias: Tensor | null, pads: { begin: readonly number[]; end: readonly number[] }, factor: number,
): { weight: Tensor; bias: Tensor | null; options: LayerOptions } {
  const [coutGroup, cin, ...M] = weight.shape as [number, number, ...number[]];
  const rank = M.length;
  const s = factor;
  const group = s ** rank;
  if (coutGroup % group !== 0) {
    throw new TconvError({
      code: 'groups-mismatch', parameter: 'weight', value: weight.shape,
      rule: `has ${coutGroup} output channels, not divisible by factor^${rank} = ${group}`, hint: 'use the conv that feeds the pixel shuffle',
    });
  }
  for (const [name, list] of [['pads.begin', pads.begin], ['pads.end', pads.end]] as const) {
    list.forEach((p, a) => {
      if (p > M[a]! - 1) throw unsupported(`${name}[${a}]`, p, `is more than kernel − 1 (${M[a]! - 1}), which a transposed conv cannot express as a crop`, 'pad the input separately');
    });
  }
  const cout = coutGroup / group;
  const kernel = M.map((m) => m * s);
  const w = tensor([cin, cout, ...kernel]);
  const subSize = M.reduce((a, b) => a * b, 1);
  const kernelSize = kernel.reduce((a, b) => a * b, 1);
  for (let c = 0; c < cout; c++) for (let sub = 0; sub < group; sub++) for (let ci = 0; ci < cin; ci++) for (let flat = 0; flat < subSize; flat++) {
    let rest = sub;
    let left = flat;
    const r: number[] = [];
    const t: number[] = [];
    for (let a = rank - 1; a >= 0; a--) { r[a] = rest % s; rest = Math.floor(rest / s); t[a] = left % M[a]!; left = Math.floor(left / M[a]!); }
    let offset = 0;
    for (let a = 0; a < rank; a++) offset = offset * kernel[a]! + r[a]! + (M[a]! - 1 - t[a]!) * s;
    w.data[(ci * cout + c) * kernelSize + offset] = weight.data[((c * group + sub) * cin + ci) * subSize + flat]!;
  }
  let b: Tensor | null = null;
  if (bias) {
    // A transposed conv has one bias per output channel: the shuffled sub-channels must share it.
    const shared = Array.from({ length: cout }, (_, c) => bias.data[c * group]!);
    if (Array.from(bias.data).some((v, i) => v !== shared[Math.floor(i / group)])) {
      throw unsupported('bias', 'per sub-channel', 'differs between the sub-channels of one output channel', 'a transposed conv has one bias per channel; fold the difference into the previous layer');
    }
    b = tensor([cout], shared);
  }
  return {
    weight: w, bias: b,
    options: { kernel, stride: s, pads: { begin: pads.begin.map((p, a) => s * (M[a]! - 1 - p)), end: pads.end.map((p, a) => s * (M[a]! - 1 - p)) } },
  };
}

export interface ResizeConvAlternative {
  /** nearest ×s, then a stride-1 conv with the given kernel and pads that land on the same output size. */
  readonly layers: readonly StackLayer[];
  readonly output: readonly number[];
  /** FLOPs of the alternative and of the transposed layer, for the same channels. */
  readonly flops: number;
  readonly transposedFlops: number;
}

/**
 * The resize-convolution with the same output size as a transposed layer (Odena et al.): nearest upsampling by the
 * stride, then a stride-1 conv (kernel `kernel`, default 3) padded to land exactly on the transposed output size.
 * @example
 * resizeConvAlternative({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 }).layers[1]
 * // → { kind: 'conv', kernel: 3, pads: { begin: [0, 0], end: [1, 1] } }
 */
export function resizeConvAlternative(layer: LayerSpec | Plan, kernel = 3): ResizeConvAlternative {
  const plan = geometryOf(layer);
  const begin: number[] = [];
  const end: number[] = [];
  plan.axes.forEach((a, i) => {
    // conv on the upsampled size n = in·s: out = n + begin + end − k + 1.
    const total = a.output - a.input * a.stride + kernel - 1;
    if (total < 0) {
      throw unsupported('kernel', kernel, `is too small to reach output ${a.output} on axis ${i} from the upsampled size ${a.input * a.stride} without cropping`, `use a kernel of at least ${kernel - total}`);
    }
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  const stride = plan.axes[0]!.stride;
  if (plan.axes.some((a) => a.stride !== stride)) throw unsupported('stride', plan.axes.map((a) => a.stride), 'must be the same on every axis for a resize', 'use one stride for all axes');
  const outputs = plan.axes.reduce((p, a) => p * a.output, 1);
  const flops = 2 * plan.batch * plan.outChannels * (plan.inChannels / plan.groups) * outputs * kernel ** plan.rank;
  return {
    layers: [{ kind: 'resize', mode: 'nearest', scale: stride }, { kind: 'conv', kernel, pads: { begin, end } }],
    output: plan.axes.map((a) => a.output), flops, transposedFlops: plan.flops,
  };
}

/**
 * ICNR initialisation (Aitken et al., 2017): weights that make a layer start as "nearest upsampling of a conv",
 * free of checkerboards. For a pixel-shuffle conv, weight shape (Cout·s^rank, Cin, k…): each output channel's s^rank
 * sub-channels get the same kernel. For a transposed conv, weight shape (Cin, Cout, k…) with k a multiple of s on every
 * axis: every phase gets the same sub-kernel.
 * @example
 * icnrWeight({ kind: 'convTranspose', shape: [4, 2, 4, 4], stride: 2, seed: 1 }) // weightCheckerboardScore → 0
 */
export function icnrWeight(args: { kind: 'pixelShuffle' | 'convTranspose'; shape: readonly number[]; stride: number; seed: number }): Tensor {
  const { shape, stride: s, seed } = args;
  const rank = shape.length - 2;
  const group = s ** rank;
  const kernel = shape.slice(2);
  const kernelSize = kernel.reduce((a, b) => a * b, 1);
  const fanIn = shape[1]! * kernelSize;
  const range = { low: -1 / Math.sqrt(fanIn), high: 1 / Math.sqrt(fanIn) };
  if (args.kind === 'pixelShuffle') {
    if (shape[0]! % group !== 0) {
      throw new TconvError({ code: 'groups-mismatch', parameter: 'shape[0]', value: shape[0], rule: `must be divisible by stride^${rank} = ${group}`, hint: 'give the conv Cout·stride^rank output channels' });
    }
    const base = randomTensor([shape[0]! / group, ...shape.slice(1)], seed, range);
    const per = base.data.length / base.shape[0]!;
    const out = tensor(shape);
    for (let c = 0; c < shape[0]!; c++) out.data.set(base.data.subarray(Math.floor(c / group) * per, (Math.floor(c / group) + 1) * per), c * per);
    return out;
  }
  const bad = kernel.findIndex((k) => k % s !== 0);
  if (bad >= 0) {
    throw unsupported(`shape[${bad + 2}]`, kernel[bad], `is not a multiple of the stride ${s}, so the phases have different tap counts and no initialisation makes them equal`, `use a kernel of ${Math.ceil(kernel[bad]! / s) * s}`);
  }
  const M = kernel.map((k) => k / s);
  const base = randomTensor([shape[0]!, shape[1]!, ...M], seed, range);
  const out = tensor(shape);
  const subSize = M.reduce((a, b) => a * b, 1);
  for (let c = 0; c < shape[0]! * shape[1]!; c++) for (let flat = 0; flat < kernelSize; flat++) {
    // Tap k = s·m + r on each axis reads base[m]: every phase r sees the same sub-kernel.
    let rest = flat;
    let sub = 0;
    let mult = 1;
    for (let a = rank - 1; a >= 0; a--) {
      const k = rest % kernel[a]!;
      rest = Math.floor(rest / kernel[a]!);
      sub += Math.floor(k / s) * mult;
      mult *= M[a]!;
    }
    out.data[c * kernelSize + flat] = base.data[c * subSize + sub]!;
  }
  return out;
}
