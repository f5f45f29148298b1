/**
 * Lint of an ONNX model's upsampling layers: every ConvTranspose, Conv, Resize/Upsample and DepthToSpace with its
 * shapes, arithmetic (as written in ONNX and in canonical form), phases, checkerboard verdict and strength, and
 * receptive field; then the compounded overlap of the upsampling path, and suggestions. The numbers come from
 * src/analysis (overlap, checkerboard, receptive field) on a stack built from the graph's path; nothing is re-derived.
 */
import { checkerboard, type Verdict, weightCheckerboardScore } from '../analysis/checkerboard.ts';
import { layerOverlap, stackOverlap } from '../analysis/overlap.ts';
import { receptiveField } from '../analysis/receptive-field.ts';
import { type ResolvedStack, type StackLayer, type StackSpec, describeLayer, resolveStack } from '../analysis/stack.ts';
import { budgetOption, workLimit } from '../shape/errors.ts';
import { solve } from '../shape/inverse.ts';
import { type OnnxAttributes, onnxRuntimeDifference } from '../shape/conventions/onnx.ts';
import type { Rank } from '../shape/params.ts';
import { type InferredGraph, type ShapeOptions, type SkippedNode, inferShapes } from './graph.ts';
import { type OnnxModel, type OnnxNode, intAttr } from './model.ts';
import { nodeLayerSpec, planNode } from './ops/conv.ts';
import { padSettings } from './ops/pad.ts';
import { resizeSettings } from './ops/resize.ts';
import type { Shape } from './ops/types.ts';

export type LintOp = 'ConvTranspose' | 'Conv' | 'Resize' | 'Upsample' | 'DepthToSpace';
const LINTED: ReadonlySet<string> = new Set<LintOp>(['ConvTranspose', 'Conv', 'Resize', 'Upsample', 'DepthToSpace']);
/** Layers of the upsampling path that get no row of their own: Pad (e.g. ReflectionPad2d before a conv). */
const PATH_ONLY: ReadonlySet<string> = new Set(['Pad']);
/** Ops that keep the spatial layout position by position: the path walks through them. */
// Concat follows its first input: a U-Net decoder's main path, with the skip connection beside it.
const PASS_THROUGH: ReadonlySet<string> = new Set([
  'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'ThresholdedRelu', 'HardSigmoid', 'HardSwish', 'Softplus', 'Softsign', 'Clip',
  'Tanh', 'Sigmoid', 'Neg', 'Abs', 'Dropout', 'BatchNormalization', 'InstanceNormalization', 'Identity', 'Add', 'Sub', 'Mul', 'Div', 'Concat',
]);

export interface LintLayer {
  readonly node: string;
  readonly op: LintOp;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** Per spatial axis; null for resize and depth-to-space. */
  readonly kernel: readonly number[] | null;
  readonly stride: readonly number[] | null;
  /** Upsampling factor per spatial axis (output / input). */
  readonly scale: readonly number[];
  /** The arithmetic as the file writes it (ONNX attributes). */
  readonly convention: string;
  /** The same layer in canonical (PyTorch) terms, as the analysis names it. */
  readonly canonical: string;
  /** Taps per phase, per spatial axis (transposed convs); null otherwise. */
  readonly phases: readonly (readonly number[])[] | null;
  readonly verdict: Verdict;
  /** Interior overlap max/min of the layer alone (1 = even; Infinity = holes). */
  readonly overlapRatio: number;
  /** Checkerboard score of the layer's actual weights (0 = phases sum alike); null without constant weights. */
  readonly weightScore: number | null;
  /** Receptive field along the upsampling path, in path-input pixels: smallest and largest per axis. */
  readonly receptiveField: { readonly min: readonly number[]; readonly max: readonly number[] } | null;
  /** Index in `path.layers`, or null when the layer is off the analysed path. */
  readonly pathIndex: number | null;
  readonly suggestion: string | null;
  /** ConvTranspose: where onnxruntime 1.30 refuses the node or sizes it differently from the operator text (which tconv follows). */
  readonly runtime: string | null;
}

export interface LintPath {
  /** Node names, input to output. */
  readonly nodes: readonly string[];
  readonly inputSize: readonly number[];
  readonly outputSize: readonly number[];
  /** Compounded overlap of the whole path (src/analysis/overlap.ts). */
  readonly overlap: {
    readonly even: boolean;
    readonly holes: boolean;
    readonly ratio: number;
    readonly values: readonly number[];
    readonly period: readonly (number | null)[];
    /** Path input size the interior was measured at when the model's own size has no output clear of every border. */
    readonly interiorMeasuredAt: readonly number[] | null;
    /** No output of the path escapes the borders, even measured larger: its unevenness is border effect, not a checkerboard. */
    readonly bordersOnly: boolean;
    /** After each layer of the path: does the pattern compound? */
    readonly steps: readonly { readonly node: string; readonly ratio: number; readonly even: boolean }[];
  };
  readonly receptiveField: { readonly min: readonly number[]; readonly max: readonly number[] };
  /** The path as an analysis stack (what `tconv render … --model` draws). */
  readonly stack: StackSpec;
}

export interface LintReport {
  readonly graph: string;
  readonly producer: string;
  readonly opset: number;
  readonly inputs: readonly { readonly name: string; readonly shape: Shape }[];
  readonly layers: readonly LintLayer[];
  readonly path: LintPath | null;
  /** Why the path is shorter than the list of layers (or absent), when it is. */
  readonly pathNote: string | null;
  /** Nodes tconv could not analyse, by name (unsupported operators and what depends on them). */
  readonly skipped: readonly SkippedNode[];
  /** Names of layers whose geometry is uneven (checkerboard or holes). */
  readonly uneven: readonly string[];
  /** Layers another runtime computes differently ("node: onnxruntime 1.30 …"). */
  readonly warnings: readonly string[];
  readonly suggestions: readonly string[];
}

interface Candidate {
  readonly node: OnnxNode;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** The layer for the analysis stack, or a reason why it cannot be one. */
  readonly stackLayer: StackLayer | string;
}

export interface LintOptions extends Omit<ShapeOptions, 'partial'> {
  /** Refuse models with more conv, transposed-conv, resize, depth-to-space and pad layers than this (default 2000). */
  readonly maxLayers?: number;
}

/** Default layer budget of lint: each layer is planned and analysed, about a millisecond or two apiece. */
export const DEFAULT_MAX_LINT_LAYERS = 2000;

/** Receptive fields of a path cost ~ layers × positions × input size: above this they are left out (noted). */
const MAX_FIELD_WORK = 5e7;

/**
 * @example
 * const report = lintModel(readModel(readFileSync('test/fixtures/onnx/dcgan/model.onnx')));
 * report.layers.map((l) => l.verdict) // → ['even', 'even', 'even', 'even', 'even']
 */
export function lintModel(model: OnnxModel, options: LintOptions = {}): LintReport {
  const maxLayers = budgetOption('maxLayers', options.maxLayers, DEFAULT_MAX_LINT_LAYERS);
  // Counted from the node list before any shape is inferred: a refusal costs one pass over the file's nodes.
  let layerCount = 0;
  for (const node of model.nodes) if (LINTED.has(node.opType) || PATH_ONLY.has(node.opType)) layerCount++;
  if (layerCount > maxLayers) {
    throw workLimit({ what: 'model', needed: layerCount, unit: 'layers', limit: maxLayers, option: 'maxLayers', flag: '--max-layers', fix: 'lint a smaller model' });
  }
  const { maxLayers: _maxLayers, ...shapeOptions } = options;
  const graph = inferShapes(model, { ...shapeOptions, partial: true });
  const candidates: Candidate[] = [];
  for (const node of graph.order) {
    if (!LINTED.has(node.opType) && !PATH_ONLY.has(node.opType)) continue;
    const inputShape = graph.shapes.get(node.inputs[0] ?? '');
    const outputShape = graph.shapes.get(node.outputs[0] ?? '');
    if (!inputShape || !outputShape) continue; // skipped: listed in graph.skipped
    candidates.push({ node, inputShape, outputShape, stackLayer: toStackLayer(node, graph, inputShape, outputShape) });
  }
  const { path, stack, note } = analysePath(graph, candidates);
  const rf = stack ? safeReceptiveField(stack) : null;
  const pathIndex = new Map(path.map((c, i) => [c, i]));
  const layers = candidates.filter((c) => !PATH_ONLY.has(c.node.opType)).map((c) => lintLayer(c, graph, pathIndex, rf));
  const uneven = layers.filter((l) => l.verdict !== 'even').map((l) => l.node);
  const warnings = layers.filter((l) => l.runtime).map((l) => `${l.node}: ${l.runtime}`);
  const suggestions = layers.filter((l) => l.suggestion).map((l) => `${l.node}: ${l.suggestion}`);
  let pathReport: LintPath | null = null;
  if (stack && path.length > 0) {
    const overlap = stackOverlap(stack);
    const field = rf ? rf.final : { min: stack.outputSize.map(() => 0), max: stack.outputSize.map(() => 0) };
    pathReport = {
      nodes: path.map((c) => c.node.name), inputSize: stack.inputSize, outputSize: stack.outputSize,
      overlap: {
        even: overlap.even, holes: overlap.holes, ratio: overlap.ratio, values: overlap.values, period: overlap.period,
        interiorMeasuredAt: overlap.interiorMeasuredAt,
        bordersOnly: overlap.interiorMeasuredAt === null && overlap.axes.some((a) => a.bordersOnly),
        steps: overlap.steps.map((s, i) => ({ node: path[i]!.node.name, ratio: s.ratio, even: s.even })),
      },
      receptiveField: field,
      stack: { input: stack.inputSize, rank: stack.rank, channels: stack.inChannels, layers: stack.layers.map((l) => l.layer) },
    };
    if (!overlap.even && !pathReport.overlap.bordersOnly) {
      const first = overlap.steps.findIndex((s) => !s.even);
      suggestions.push(`the upsampling path is uneven from ${path[first]?.node.name ?? 'its start'} on (interior overlap ${overlap.values.join('/')}, ratio ${formatRatio(overlap.ratio)}): `
        + 'make every transposed layer\'s kernel a multiple of its stride, or replace it by resize + conv');
    }
  }
  if (graph.skipped.length > 0) {
    const ops = [...new Set(graph.skipped.filter((s) => s.reason === 'unsupported operator').map((s) => s.opType))];
    const runtime = graph.skipped.flatMap((s) => (s.needs ? [`${s.needs.slot} ← "${s.needs.value}"`] : []));
    suggestions.push(`not analysed: ${graph.skipped.length} node(s)${ops.length ? ` (unsupported operators: ${ops.join(', ')})` : ''}`
      + `${runtime.length ? `; sizes from there on depend on run-time values (${runtime.join(', ')}): run the model with its inputs to plan them` : ''}`);
  }
  return {
    graph: model.graphName, producer: model.producer, opset: model.opset,
    inputs: [...graph.inputShapes].map(([name, shape]) => ({ name, shape })),
    layers, path: pathReport, pathNote: note, skipped: graph.skipped, uneven, warnings, suggestions,
  };
}

function toStackLayer(node: OnnxNode, graph: InferredGraph, x: Shape, y: Shape): StackLayer | string {
  if (x.length < 3 || x.length > 5) return `${node.opType} on a rank-${x.length} tensor`;
  if (node.opType === 'ConvTranspose' || node.opType === 'Conv') {
    const w = graph.shapes.get(node.inputs[1] ?? '');
    if (!w) return 'weight shape unknown';
    const spec = nodeLayerSpec(node, x, w, false);
    const { kernel, stride, dilation, pads, outputPadding, groups, padding } = spec;
    return { kind: spec.kind === 'conv' ? 'conv' : 'convTranspose', kernel, stride, dilation, pads, padding, outputPadding, groups, outChannels: spec.outChannels };
  }
  if (node.opType === 'DepthToSpace') return { kind: 'pixelShuffle', factor: intAttr(node, 'blocksize', 1) };
  if (node.opType === 'Pad') {
    // Padding the spatial axes is a 1×1 conv with those pads and identity weights: same sizes, same borders.
    const p = padSettings(node, graph.model.opset, x, (i) => (node.inputs[i] ? graph.constants.get(node.inputs[i]!) : undefined));
    if (p.begin[0] !== 0 || p.end[0] !== 0 || p.begin[1] !== 0 || p.end[1] !== 0) return 'pads the batch or channel axis';
    if ([...p.begin, ...p.end].some((v) => v < 0)) return 'crops (negative pads)';
    return { kind: 'conv', kernel: 1, pads: { begin: p.begin.slice(2), end: p.end.slice(2) }, outChannels: x[1]! };
  }
  const s = resizeSettings(node, graph.model.opset, x, (i) => (node.inputs[i] ? graph.constants.get(node.inputs[i]!) : undefined));
  const factors = y.map((d, a) => d / x[a]!);
  const spatial = factors.slice(2);
  if (factors[0] !== 1 || factors[1] !== 1) return 'resizes the batch or channel axis';
  if (!spatial.every((f) => Number.isInteger(f) && f === spatial[0])) return `scale ${spatial.join('×')} is not one whole factor on every axis`;
  if (s.mode === 'cubic') return 'cubic resize (the analysis models nearest and bilinear)';
  return { kind: 'resize', mode: s.mode === 'linear' ? 'bilinear' : 'nearest', scale: spatial[0]! };
}

/** The path: the longest chain of linted layers linked through pass-through ops (activations, norms, bias adds). */
function analysePath(graph: InferredGraph, candidates: readonly Candidate[]): { path: Candidate[]; stack: ResolvedStack | null; note: string | null } {
  const byOutput = new Map(candidates.map((c) => [c.node.outputs[0]!, c]));
  const producers = new Map<string, OnnxNode>();
  for (const node of graph.order) for (const out of node.outputs) producers.set(out, node);
  // The linted layer a value comes from, walking back through pass-through ops; memoized per value so shared
  // stretches of a graph are walked once.
  const source = new Map<string, Candidate | null>();
  const sourceOf = (start: string): Candidate | null => {
    const walked: string[] = [];
    let value = start;
    let found: Candidate | null = null;
    while (true) {
      const known = source.get(value);
      if (known !== undefined) { found = known; break; }
      walked.push(value);
      const hit = byOutput.get(value);
      if (hit) { found = hit; break; }
      const producer = producers.get(value);
      if (!producer || !PASS_THROUGH.has(producer.opType)) break;
      // Follow the data, not the constants (a bias Add's other input).
      const next = producer.inputs.find((name) => name !== '' && !graph.constants.has(name));
      if (next === undefined) break;
      value = next;
    }
    for (const v of walked) source.set(v, found);
    return found;
  };
  const previous = new Map<Candidate, Candidate | null>();
  for (const c of candidates) previous.set(c, sourceOf(c.node.inputs[0]!));
  // Chain lengths by dynamic programming (candidates come in execution order), then the longest chain once.
  const depth = new Map<Candidate, number>();
  let last: Candidate | null = null;
  for (const c of candidates) {
    const before = previous.get(c);
    const d = typeof c.stackLayer === 'string' ? 0 : 1 + (before ? depth.get(before) ?? 0 : 0);
    depth.set(c, d);
    if (d > (last ? depth.get(last)! : 0)) last = c;
  }
  const path: Candidate[] = [];
  for (let at: Candidate | null = last; at && depth.get(at)! > 0; at = previous.get(at) ?? null) path.push(at);
  path.reverse();
  const notes: string[] = [];
  const unusable = candidates.filter((c) => typeof c.stackLayer === 'string' && !PATH_ONLY.has(c.node.opType));
  if (unusable.length) notes.push(`left out of the path: ${unusable.map((c) => `${c.node.name} (${c.stackLayer})`).join(', ')}`);
  const onPath = new Set(path);
  const off = candidates.filter((c) => typeof c.stackLayer !== 'string' && !onPath.has(c) && !PATH_ONLY.has(c.node.opType));
  if (off.length) notes.push(`not on the longest chain: ${off.map((c) => c.node.name).join(', ')}`);
  // A layer reading a 1×1 map (DCGAN's z → 4×4 projection) is a dense layer: all its outputs are borders, which
  // would hide the interior of everything after it. The path starts at its output instead.
  while (path.length > 1 && path[0]!.inputShape.slice(2).every((d) => d === 1)) {
    const projection = path.shift()!;
    notes.push(`${projection.node.name} maps a 1×1 input to ${projection.outputShape.slice(2).join('×')} (a projection, all borders): the path starts at its output`);
  }
  if (path.length === 0) return { path, stack: null, note: notes.join('; ') || 'no conv, transposed conv or resize layers' };
  // A loop, not Math.max(...list): a long chain would pass more arguments than the call stack holds.
  let largest = 0;
  for (const c of path) for (const d of [...c.inputShape.slice(2), ...c.outputShape.slice(2)]) largest = Math.max(largest, d);
  if (largest > MAX_ANALYSED_SIZE) {
    notes.push(`the path has a spatial size of ${largest}, over ${MAX_ANALYSED_SIZE}: its compounded overlap and receptive fields are not computed`);
    return { path, stack: null, note: notes.join('; ') };
  }
  // A path through a map so small that no output escapes the borders (a U-Net's 2×2 bottleneck) is measured at a
  // larger input by stackOverlap: border falloff is not a checkerboard, and the interior pattern does not depend on size.
  const first = path[0]!;
  const stack = resolveStack({
    input: first.inputShape.slice(2), rank: (first.inputShape.length - 2) as Rank, channels: first.inputShape[1],
    layers: path.map((c) => c.stackLayer as StackLayer),
    maxLayers: Infinity, // lint's own layer budget was checked up front (maxLayers of lintModel)
  });
  return { path, stack, note: notes.length ? notes.join('; ') : null };
}

/** Overlap maps are built per output position: larger axes are summarised from the phases alone. */
const MAX_ANALYSED_SIZE = 1 << 16;

/** Interior overlap ratio of one transposed layer from its taps per phase: ∏ max/min over axes. */
function tapRatio(phases: readonly (readonly number[])[]): number {
  return phases.reduce((r, taps) => r * (Math.min(...taps) === 0 ? Infinity : Math.max(...taps) / Math.min(...taps)), 1);
}

interface PathField {
  readonly steps: readonly { readonly min: readonly number[]; readonly max: readonly number[] }[];
  readonly final: { readonly min: readonly number[]; readonly max: readonly number[] };
}

/** Receptive fields enumerate input sets per output: skip them when that would be too much work. */
function safeReceptiveField(stack: ResolvedStack): PathField | null {
  // Each step maps its outputs back through every earlier layer: work grows with the square of the path's length.
  const positions = stack.layers.reduce((sum, l) => sum + l.outputSize.reduce((a, b) => a + b, 0), 0);
  const work = positions * stack.layers.length * stack.inputSize.reduce((a, b) => Math.max(a, b), 1);
  if (work > MAX_FIELD_WORK) return null;
  const rf = receptiveField(stack);
  const steps = rf.steps.map((s) => ({ min: s.axes.map((a) => a.minSize), max: s.axes.map((a) => a.size) }));
  return { steps, final: steps[steps.length - 1]! };
}

function lintLayer(c: Candidate, graph: InferredGraph, onPath: ReadonlyMap<Candidate, number>, rf: PathField | null): LintLayer {
  const { node, inputShape, outputShape } = c;
  const pathIndex = onPath.get(c) ?? null;
  const receptive = pathIndex !== null && rf ? rf.steps[pathIndex] ?? null : null;
  const scale = outputShape.slice(2).map((d, a) => d / inputShape[a + 2]!);
  const base = {
    node: node.name, op: node.opType as LintOp, inputShape, outputShape, scale, receptiveField: receptive, pathIndex,
    canonical: typeof c.stackLayer === 'string' ? '-' : describeLayer(c.stackLayer), runtime: null,
  };
  if (node.opType === 'ConvTranspose' || node.opType === 'Conv') {
    const w = graph.shapes.get(node.inputs[1]!)!;
    const plan = planNode(node, inputShape, w, undefined);
    const geometry = checkerboard(plan);
    const overlapRatio = plan.axes.some((a) => a.output > MAX_ANALYSED_SIZE || a.input > MAX_ANALYSED_SIZE)
      ? tapRatio(geometry.axes.map((a) => a.tapsPerPhase)) : layerOverlap(plan).ratio;
    const weight = graph.constants.get(node.inputs[1]!);
    const weightScore = plan.kind === 'convTranspose' && weight
      ? weightCheckerboardScore({ shape: weight.shape, data: Float32Array.from(weight.data) }, plan).score : null;
    return {
      ...base, kernel: plan.axes.map((a) => a.kernel), stride: plan.axes.map((a) => a.stride), convention: onnxConvention(node),
      phases: plan.kind === 'convTranspose' ? geometry.axes.map((a) => a.tapsPerPhase) : null,
      verdict: geometry.verdict, overlapRatio, weightScore,
      suggestion: plan.kind === 'convTranspose' ? convTransposeSuggestion(plan.axes, geometry.verdict) : null,
      runtime: node.opType === 'ConvTranspose' ? runtimeDifference(node, inputShape, w) : null,
    };
  }
  if (node.opType === 'DepthToSpace') {
    return {
      ...base, kernel: null, stride: null, convention: `blocksize ${intAttr(node, 'blocksize', 1)}, mode ${node.attributes.get('mode') ?? 'DCR'}`,
      phases: null, verdict: 'even', overlapRatio: 1, weightScore: null, suggestion: null,
    };
  }
  const s = resizeSettings(node, graph.model.opset, inputShape, (i) => (node.inputs[i] ? graph.constants.get(node.inputs[i]!) : undefined));
  const how = s.mode === 'nearest' ? `nearest (${s.transform}, ${s.nearestMode})` : `${s.mode} (${s.transform})`;
  return {
    ...base, kernel: null, stride: null, convention: `${how} ×${s.scales.slice(2).map(formatNumber).join('×')}`,
    phases: null, verdict: 'even', overlapRatio: 1, weightScore: null, suggestion: null,
  };
}

/** Where onnxruntime 1.30 and the operator text (tconv) disagree on this node, in one sentence (null: they agree). */
function runtimeDifference(node: OnnxNode, inputShape: Shape, weightShape: Shape): string | null {
  const attributes: Record<string, unknown> = {};
  for (const [name, value] of node.attributes) attributes[name] = value;
  return onnxRuntimeDifference({ attributes: attributes as OnnxAttributes, inputShape, weightShape });
}

/** The ONNX attributes that decide the arithmetic, as written. */
function onnxConvention(node: OnnxNode): string {
  const parts: string[] = [];
  for (const name of ['auto_pad', 'pads', 'output_padding', 'output_shape', 'dilations', 'group']) {
    const v = node.attributes.get(name);
    if (v === undefined) continue;
    if (name === 'auto_pad' && v === 'NOTSET') continue;
    if (name === 'group' && v === 1) continue;
    if (name === 'dilations' && Array.isArray(v) && v.every((d) => d === 1)) continue;
    if (name === 'output_padding' && Array.isArray(v) && v.every((d) => d === 0)) continue;
    parts.push(`${name} ${Array.isArray(v) ? v.join(',') : String(v)}`);
  }
  return parts.join(', ') || 'pads 0';
}

interface AxisArith { readonly input: number; readonly output: number; readonly kernel: number; readonly stride: number; readonly dilation: number }

/** For an uneven transposed layer: the cheapest even layer with the same stride and the same in → out sizes. */
function convTransposeSuggestion(axes: readonly AxisArith[], verdict: Verdict): string | null {
  if (verdict === 'even') return null;
  const from = axes.map((a) => a.input);
  const to = axes.map((a) => a.output);
  const stride = axes.map((a) => a.stride);
  let alternative = '';
  try {
    const [best] = solve({ from, to, stride, evenOnly: true, maxDilation: 1, maxKernel: 2 * Math.max(...stride, ...axes.map((a) => a.kernel)), limit: 1 });
    if (best) {
      const fmt = (v: readonly number[]) => (v.every((x) => x === v[0]) ? String(v[0]) : v.join('×'));
      alternative = `use kernel ${fmt(best.kernel)}, padding ${fmt(best.padding)}, output_padding ${fmt(best.outputPadding)} (same sizes, every phase ${best.phaseTaps.map((t) => t[0]).join('×')} taps), or `;
    }
  } catch {
    // No even single layer within bounds: only the resize + conv advice remains.
  }
  const why = verdict === 'holes' ? 'some phases get no taps (dilation shares a factor with stride)' : `kernel ${axes.map((a) => a.kernel).join('×')} is not a multiple of stride ${stride.join('×')}`;
  return `${why}: ${alternative}replace it by nearest resize ×${stride.join('×')} + conv (Odena et al., 2016)`;
}

export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? formatNumber(ratio) : '∞ (holes)';
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3).replace(/0+$/, '');
}
