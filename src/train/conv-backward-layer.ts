/**
 * One layer's backward with its buffers: ∂X, ∂W, ∂B and the workspace are sized from the plan when the object is
 * made (refused over the memory limit before anything is allocated, as the forward is: docs/limits.md), and every
 * step writes into the same arrays. A training loop makes one per layer and shape (ConvModule does) and so allocates
 * nothing per step for its convolutions but what the engine's forward call itself does (the native backend packs
 * the changed weights per call).
 *
 * ∂X is the dual layer's forward on the backend: a transposed convolution's is a strided convolution with the same
 * weight, a convolution's a transposed convolution. ∂W of a transposed convolution is a per-phase correlation of X
 * with ∂Y; a convolution's is that of its dual transposed plan with X and ∂Y swapped. Per backend: the float64 loop
 * (reference), the addon's GEMM kernel (native, weight-gradient-native.ts), the wasm kernels' ∂W kernel (wasm,
 * weight-gradient-wasm.ts).
 */
import { getBackend } from '../engine/select.ts';
import { type PackSlot, type PreparedWeights, prepareWeights, preparedMatches, preparedParts } from '../engine/prepared-weights.ts';
import { fastSameBits } from '../engine/registry.ts';
import { type EngineLayerOptions, planFromTensors } from '../engine/ops/plan-from-tensors.ts';
import { type BackendName, availableCores } from '../engine/backend.ts';
import { TconvError } from '../shape/errors.ts';
import { DEFAULT_MEMORY_LIMIT_BYTES, type Plan, checkMemory } from '../shape/plan.ts';
import { type Tensor, sameShape, sizeOf, tensor } from '../tensor/tensor.ts';
import { biasGradientInto, convTransposeWeightGradientInto } from './weight-gradient.ts';
import { type SwappedConv, swappedConv, swappedConvWeightGradient } from './weight-gradient-conv.ts';
import { type NativeWeightGradient, nativeWeightGradient } from './weight-gradient-native.ts';
import { type WasmWeightGradient, runWasmWeightGradient, wasmWeightGradient } from './weight-gradient-wasm.ts';

export interface ConvGradients {
  /** ∂L/∂X, the input's shape. */
  readonly input: Tensor;
  /** ∂L/∂W, the weight's shape. */
  readonly weight: Tensor;
  /** ∂L/∂B (Cout), or null when the layer has no bias. */
  readonly bias: Tensor | null;
}

export interface ConvBackwardOptions extends EngineLayerOptions {
  /** Which gradients to size and compute (default both): a frozen layer needs ∂X only, the last layer ∂W only. */
  readonly gradients?: { readonly input: boolean; readonly weight: boolean };
}

/** How ∂W is computed on the chosen backend, with its part of the workspace. */
type WeightPath =
  | { readonly kind: 'reference' }
  | { readonly kind: 'native'; readonly native: NativeWeightGradient }
  /** The wasm kernels' ∂W kernel; null for batch 0 (∂W is 0). */
  | { readonly kind: 'wasm'; readonly wasm: WasmWeightGradient | null }
  /** The swapped conv on the backend's forward (native when its addon predates the ∂W kernel); null for batch 0. */
  | { readonly kind: 'conv'; readonly conv: SwappedConv | null };

export class ConvBackward {
  /** The forward layer's plan. */
  readonly plan: Plan;
  readonly backend: BackendName;
  readonly gradInput: Tensor;
  readonly gradWeight: Tensor;
  readonly gradBias: Tensor | null;
  /**
   * Scratch of ∂X (the dual conv's wider output, when output padding ≥ stride; the copy of its last weights, on the
   * backends that pack them) and of ∂W; reused every step.
   */
  readonly workspace: Float32Array;
  /**
   * Bytes of every buffer this object holds: 4 × (|∂X| + |∂W| + |∂B| + |workspace|). The memory limit is checked
   * against these plus the forward's tensors (X, W, B and ∂Y, the output's size), before anything is allocated.
   */
  readonly bytes: number;
  private readonly inputPlan: Plan | null;
  private readonly wide: Float32Array | null;
  /** ∂X's weights of the last call (backends that pack them; null on the reference backend or without ∂X). */
  private readonly weightCopy: Float32Array | null;
  /** The transposed plan whose ∂W is wanted: the layer's own, or a conv's dual (then X and ∂Y swap roles). */
  private readonly weightPlan: Plan | null;
  private readonly weightPath: WeightPath;
  private readonly weightScratch: Float32Array;
  private readonly threads: number | undefined;
  /**
   * ∂X's packed weights are kept while the weights are unchanged (the layers' rule, docs/weights.md), as tfjs-wasm's
   * conv keeps its operator per filter tensor: `weightCopy` (in the workspace) holds the last call's weights; when a
   * call brings the same ones again (bit for bit), they are prepared once and their packing reused until they change.
   * Changed weights (every optimizer step) are copied into weightCopy and packed per call, as before: no allocation.
   */
  private inputWeights: PreparedWeights | null = null;

  /**
   * @example
   * const back = new ConvBackward('convTranspose', [2, 8, 5, 5], [8, 4, 4, 4], { stride: 2, padding: 1, bias: true });
   * const g = back.run(x.data, w.data, gradOutput.data); // g.weight is back.gradWeight, the same array every step
   */
  constructor(readonly kind: 'convTranspose' | 'conv', inputShape: readonly number[], weightShape: readonly number[], options: ConvBackwardOptions = {}) {
    this.plan = planFromTensors(kind, inputShape, weightShape, options);
    const wanted = options.gradients ?? { input: true, weight: true };
    this.backend = getBackend(options.backend ?? 'auto').name;
    this.threads = options.threads;
    if (kind === 'convTranspose') checkPadsBegin(this.plan);
    const dual = dualTransposed(this.plan);
    const limit = options.memoryLimitBytes;
    const layer = { stride: this.plan.axes.map((a) => a.stride), dilation: this.plan.axes.map((a) => a.dilation), groups: this.plan.groups };
    this.inputPlan = !wanted.input ? null : kind === 'convTranspose'
      ? planFromTensors('conv', this.plan.outputShape, weightShape, {
        ...layer, pads: { begin: this.plan.axes.map((a) => a.padBegin), end: this.plan.axes.map((a) => Math.max(a.padEnd, 0)) }, bias: false, memoryLimitBytes: limit,
      })
      : planFromTensors('convTranspose', this.plan.outputShape, weightShape, { ...dual, bias: false, memoryLimitBytes: limit });
    const wideFloats = this.inputPlan && !sameShape(this.inputPlan.outputShape, inputShape) ? sizeOf(this.inputPlan.outputShape) : 0;
    this.weightPlan = !wanted.weight ? null : kind === 'convTranspose'
      ? this.plan
      : planFromTensors('convTranspose', this.plan.outputShape, weightShape, { ...dual, bias: false, memoryLimitBytes: limit });
    this.weightPath = this.weightPlan ? weightPathOf(this.backend, this.weightPlan, this.threads) : { kind: 'reference' };
    const weightFloats = weightScratchFloats(this.weightPath);

    const copyFloats = wanted.input && this.backend !== 'reference' ? sizeOf(weightShape) : 0;
    const sizes = [wanted.input ? sizeOf(inputShape) : 0, wanted.weight ? sizeOf(weightShape) : 0, this.plan.bias ? this.plan.outChannels : 0, wideFloats + weightFloats + copyFloats];
    this.bytes = 4 * sizes.reduce((a, b) => a + b, 0);
    // The limit covers the step's whole working set: the forward's tensors (∂Y is the output's size) and these buffers.
    const forward = [sizeOf(inputShape), sizeOf(this.plan.outputShape), sizeOf(weightShape), this.plan.bias ? this.plan.outChannels : 0];
    const forwardBytes = 4 * forward.reduce((a, b) => a + b, 0);
    // The wasm ∂W kernel works in a block of the wasm memory (X, ∂Y, ∂W and its panels), outside `bytes`: checked too.
    const wasmBlock = this.weightPath.kind === 'wasm' ? this.weightPath.wasm?.blockBytes ?? 0 : 0;
    checkMemory([...forward, ...sizes], forwardBytes + this.bytes + wasmBlock, options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES, this.plan.outputShape);
    this.gradInput = tensor(wanted.input ? inputShape : [0]);
    this.gradWeight = tensor(wanted.weight ? weightShape : [0]);
    this.gradBias = this.plan.bias ? tensor([this.plan.outChannels]) : null;
    this.workspace = new Float32Array(wideFloats + weightFloats + copyFloats);
    this.wide = wideFloats > 0 ? this.workspace.subarray(0, wideFloats) : null;
    this.weightScratch = this.workspace.subarray(wideFloats, wideFloats + weightFloats);
    // NaN-filled, so a first call finds nothing to reuse (weights equal to it bit for bit would be right to reuse anyway).
    this.weightCopy = copyFloats > 0 ? this.workspace.subarray(wideFloats + weightFloats).fill(Number.NaN) : null;
  }

  /** ∂X, ∂W and ∂B of the forward that read `input`, for ∂L/∂Y = gradOutput; the returned tensors are this object's buffers. */
  run(input: Float32Array, weight: Float32Array, gradOutput: Float32Array): ConvGradients {
    this.checkLengths(input, weight, gradOutput);
    if (this.inputPlan) this.inputGradient(weight, gradOutput);
    if (this.weightPlan) this.weightGradient(input, gradOutput);
    if (this.gradBias) biasGradientInto(this.plan, gradOutput, this.gradBias.data);
    return { input: this.gradInput, weight: this.gradWeight, bias: this.gradBias };
  }

  private inputGradient(weight: Float32Array, gradOutput: Float32Array): void {
    const plan = this.inputPlan!;
    const output = this.wide ?? this.gradInput.data;
    const args = { plan, input: gradOutput, weight, bias: null, output, threads: this.threads, packs: this.inputPacks(weight) };
    const backend = getBackend(this.backend);
    if (plan.kind === 'conv') backend.conv(args);
    else backend.convTranspose(args);
    // Output padding ≥ stride: the dual conv's output runs past the input, and those cells are never read.
    if (this.wide) cropSpatialInto(this.wide, plan.outputShape, this.gradInput);
  }

  /** The pack slot of the kept weights, or null (pack in the call): reference backend, or weights new since the last call. */
  private inputPacks(weight: Float32Array): PackSlot | null {
    const copy = this.weightCopy;
    if (!copy) return null;
    const sameBits = fastSameBits() ?? sameBitsJs;
    const kept = this.inputWeights;
    if (kept && preparedMatches(kept, weight, sameBits)) return preparedParts(kept).slot;
    kept?.dispose();
    this.inputWeights = null;
    if (sameBits(copy, weight)) {
      this.inputWeights = prepareWeights(tensor(this.plan.weightShape, copy));
      return preparedParts(this.inputWeights).slot;
    }
    copy.set(weight);
    return null;
  }

  private weightGradient(input: Float32Array, gradOutput: Float32Array): void {
    const plan = this.weightPlan!;
    // A conv's ∂W is its dual transposed plan's, with input and output gradient swapped.
    const [x, gy] = this.kind === 'convTranspose' ? [input, gradOutput] : [gradOutput, input];
    const out = this.gradWeight.data;
    const path = this.weightPath;
    if (path.kind === 'reference') convTransposeWeightGradientInto(plan, x, gy, out);
    else if (path.kind === 'native') {
      const n = path.native;
      n.addon.weightGradient(n.shape, n.kernelSet, x, gy, out, this.weightScratch, n.threads);
    } else if (path.kind === 'wasm') {
      if (path.wasm) runWasmWeightGradient(path.wasm, x, gy, out, this.threads);
      else out.fill(0);
    } else if (path.conv) swappedConvWeightGradient(plan, path.conv, x, gy, out, this.weightScratch, this.backend, this.threads);
    else out.fill(0);
  }

  private checkLengths(input: Float32Array, weight: Float32Array, gradOutput: Float32Array): void {
    const check = (name: string, data: Float32Array, shape: readonly number[]) => {
      if (data.length !== sizeOf(shape)) {
        throw new TconvError({
          code: 'invalid-value', parameter: `${name}.length`, value: data.length,
          rule: `must be ${sizeOf(shape)}, the size of the layer's ${name} [${shape.join(', ')}]`, hint: 'make a ConvBackward for the new shape',
        });
      }
    };
    check('input', input, this.plan.inputShape);
    check('weight', weight, this.plan.weightShape);
    check('gradOutput', gradOutput, this.plan.outputShape);
  }
}

function weightPathOf(backend: BackendName, plan: Plan, threads: number | undefined): WeightPath {
  const native = backend === 'native' ? nativeWeightGradient(plan, threads ?? availableCores()) : null;
  if (native) return { kind: 'native', native };
  if (backend === 'wasm') return { kind: 'wasm', wasm: plan.batch === 0 ? null : wasmWeightGradient(plan) };
  if (backend !== 'reference') return { kind: 'conv', conv: plan.batch === 0 ? null : swappedConv(plan) };
  return { kind: 'reference' };
}

function weightScratchFloats(path: WeightPath): number {
  if (path.kind === 'native') return path.native.workspaceFloats;
  if (path.kind === 'conv') return path.conv?.workspaceFloats ?? 0;
  return 0;
}

/** Bit-for-bit equality of two arrays of the same length (where the native addon's comparison is not loaded). */
function sameBitsJs(a: Float32Array, b: Float32Array): boolean {
  const x = new Int32Array(a.buffer, a.byteOffset, a.length);
  const y = new Int32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Both ∂X and the backends' ∂W read ∂Y through a conv's padding, which cannot be negative. */
export function checkPadsBegin(plan: Plan): void {
  plan.axes.forEach((a, i) => {
    if (a.padBegin < 0) {
      throw new TconvError({
        code: 'unsupported', parameter: `pads.begin[${i}]`, value: a.padBegin,
        rule: 'is negative (zero cells added before the output); the backward does not implement it',
        hint: 'use pads.begin 0 or more (outputPadding adds cells at the end)',
      });
    }
  });
}

/** The transposed layer whose forward is a conv plan's input gradient: same weight, output size = the conv's input. */
export function dualTransposed(plan: Plan): EngineLayerOptions {
  const rem = plan.axes.map((a) => (a.input + a.padBegin + a.padEnd - a.effectiveKernel) % a.stride);
  return {
    stride: plan.axes.map((a) => a.stride), dilation: plan.axes.map((a) => a.dilation), groups: plan.groups,
    pads: { begin: plan.axes.map((a) => a.padBegin), end: plan.axes.map((a, i) => Math.max(a.padEnd - rem[i]!, 0)) },
    outputPadding: plan.axes.map((a, i) => Math.max(rem[i]! - a.padEnd, 0)),
  };
}

/** Copies the leading corner of `from` (N and C equal to `to`'s, spatial sizes at least `to`'s) into `to`. */
export function cropSpatialInto(from: Float32Array, fromShape: readonly number[], to: Tensor): void {
  const shape = to.shape;
  const rank = shape.length - 2;
  const fromSpatial = fromShape.slice(2);
  const toSpatial = shape.slice(2);
  const toSize = sizeOf(toSpatial);
  const fromSize = sizeOf(fromSpatial);
  const index = new Array<number>(rank).fill(0);
  for (let nc = 0; nc < shape[0]! * shape[1]!; nc++) {
    for (let o = 0; o < toSize; o++) {
      let rest = o;
      for (let a = rank - 1; a >= 0; a--) { index[a] = rest % toSpatial[a]!; rest = Math.floor(rest / toSpatial[a]!); }
      let f = 0;
      for (let a = 0; a < rank; a++) f = f * fromSpatial[a]! + index[a]!;
      to.data[nc * toSize + o] = from[nc * fromSize + f]!;
    }
  }
}
