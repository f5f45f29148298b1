/**
 * The conformance runner: every case of a JSON vector file goes through the conventions (ONNX or PyTorch) and the
 * engine, and is compared with the expected output (pass: relative L2 < 1e-5 or max |error| ≤ 1e-4). Cases marked
 * "expect": "failure" pass only when tconv refuses them with a TconvError (its message is recorded). A case with
 * "gradOutputs" and "expectedGradients" also runs the backward (src/train/, ∂X on the chosen backend) and compares
 * ∂X, ∂W and ∂B with the same tolerance; its pass line says `grad` with the worst of their errors.
 */
import { readFile } from 'node:fs/promises';
import { TconvError, budgetOption, isTconvError, workLimit } from '../shape/errors.ts';
import { DEFAULT_MAX_FLOPS } from '../onnx/execute.ts';
import { fromOnnx, type OnnxAttributes } from '../shape/conventions/onnx.ts';
import { fromPytorch } from '../shape/conventions/pytorch.ts';
import type { LayerSpec } from '../shape/params.ts';
import { conv, convTranspose, tensor, maxAbsError, relativeL2Error, closeEnough, type BackendChoice, type EngineLayerOptions, type Tensor } from '../engine/index.ts';
import { convBackward, convTransposeBackward } from '../train/conv-backward.ts';
import { isOnnxTestDir, runOnnxTestDir } from './onnx-dir.ts';
import { type CaseResult, type ConformanceOptions, type ConformanceReport, failureOf, withDetail } from './report.ts';

export { formatReport, withDetail } from './report.ts';
export type { CaseResult, ConformanceOptions, ConformanceReport, Outcome } from './report.ts';
import { type VectorCase, type VectorFile, type VectorTensor, checkTensor, parseVectorFile, pickTensor } from './vectors.ts';

const PYTORCH_KEYS = ['stride', 'padding', 'output_padding', 'outputPadding', 'dilation', 'groups', 'output_size', 'outputSize', 'kernel_size'];

/**
 * @example
 * const report = await runConformanceFile('../shared/conformance/onnx-convtranspose-cases.json', { backend: 'reference' });
 * `${report.passed} passed, ${report.failed} failed` // → '11 passed, 0 failed'
 */
export async function runConformanceFile(path: string, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  // An ONNX test directory (model.onnx + test_data_set_*) instead of a JSON vector file.
  if (isOnnxTestDir(path)) return runOnnxTestDir(path, options);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TconvError({
      code: 'usage', parameter: 'FILE', value: path,
      rule: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, hint: 'give the path of a JSON vector file',
    });
  }
  return runConformance(parseVectorFile(text, path), path, options);
}

/**
 * Like runConformanceFile, but never throws: a path that cannot be read or parsed is a report with one failed case,
 * so a run over many files always reaches its summary.
 * @example
 * (await runConformancePath('missing.json')).results[0].detail // → 'error: FILE ("missing.json") cannot be read (ENOENT); …'
 */
export async function runConformancePath(path: string, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  try {
    return await runConformanceFile(path, options);
  } catch (error) {
    // A budget the caller chose stops the run (the CLI exits 2 and names the flag): it says nothing about the file.
    if (isTconvError(error) && error.code === 'work-limit') throw error;
    const { outcome, message } = failureOf(error);
    const result = withDetail({ name: path, op: 'model', expect: 'success', passed: false, outcome, error: message, reason: message });
    return { file: path, backend: options.backend ?? 'reference', results: [result], passed: 0, failed: 1 };
  }
}

/** Runs the cases of an already-parsed vector file. */
export function runConformance(file: VectorFile, name: string, options: ConformanceOptions = {}): ConformanceReport {
  const backend = options.backend ?? 'reference';
  checkCasesBudget(file, budgetOption('maxFlops', options.maxFlops, DEFAULT_MAX_FLOPS));
  const results = file.cases.map((c, i) => withDetail(runCase(c, i, backend)));
  const passed = results.filter((c) => c.passed).length;
  return { file: name, backend, results, passed, failed: results.length - passed };
}

/**
 * Refuses a file whose cases, together, would cost more than the budget: a case's work is bounded by
 * 2 × |X| × |W| / channels (every input meets every weight of its channel), counted before any case runs.
 */
function checkCasesBudget(file: VectorFile, limit: number): void {
  let flops = 0;
  for (const c of file.cases) {
    const x = pickTensor(c?.inputs, 'input');
    const w = pickTensor(c?.inputs, 'weight');
    const size = (t: VectorTensor | undefined) => (Array.isArray(t?.data) ? t.data.length : 0);
    const channels = Array.isArray(x?.shape) && typeof x.shape[1] === 'number' && x.shape[1] > 0 ? x.shape[1] : 1;
    flops += (2 * size(x) * size(w)) / channels;
  }
  if (flops > limit) {
    throw workLimit({ what: 'cases', needed: flops, unit: 'FLOPs', limit, option: 'maxFlops', flag: '--max-flops', fix: 'split the file' });
  }
}

function runCase(c: VectorCase, index: number, backend: BackendChoice): CaseResult {
  const name = typeof c?.name === 'string' ? c.name : `case ${index}`;
  const op = c?.op === 'Conv' ? 'Conv' : 'ConvTranspose';
  const expect = c?.expect === 'failure' ? 'failure' : 'success';
  const base = { name, op, expect } as const;
  let run: Execution;
  try {
    if (c?.op !== undefined && c.op !== 'Conv' && c.op !== 'ConvTranspose') {
      throw new TconvError({ code: 'unsupported', parameter: `${name}.op`, value: c.op, rule: 'must be "ConvTranspose" or "Conv"', hint: 'tconv runs transposed and ordinary convolutions' });
    }
    run = execute(c, name, op, backend);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (expect === 'failure') {
      return isTconvError(error)
        ? { ...base, passed: true, error: message }
        : { ...base, passed: false, error: message, reason: `refused, but not with a clear TconvError: ${message}` };
    }
    return { ...base, passed: false, error: message, reason: `expected a result, got an error: ${message}` };
  }
  const { output } = run;
  if (expect === 'failure') {
    return { ...base, passed: false, outputShape: output.shape, reason: `expected a refusal (${c.error ?? 'failure'}), but tconv computed an output of shape ${JSON.stringify(output.shape)}` };
  }
  let expected: VectorTensor;
  try {
    expected = checkTensor(name, 'outputs.Y', pickTensor(c.outputs, 'output'));
  } catch (error) {
    return { ...base, passed: false, reason: (error as Error).message };
  }
  const shapeOk = expected.shape.length === output.shape.length && expected.shape.every((d, i) => d === output.shape[i]);
  if (!shapeOk) {
    return { ...base, passed: false, outputShape: output.shape, reason: `output shape ${JSON.stringify(output.shape)} differs from the expected ${JSON.stringify(expected.shape)}` };
  }
  const relativeL2 = relativeL2Error(output.data, expected.data);
  const maxAbs = maxAbsError(output.data, expected.data);
  const passed = closeEnough(output.data, expected.data);
  const result = { ...base, passed, relativeL2, maxAbs, outputShape: output.shape };
  if (!passed) return { ...result, reason: `output differs: relative L2 ${relativeL2.toExponential(2)} (limit 1e-5), max abs ${maxAbs.toExponential(2)} (limit 1e-4)` };
  if (c.gradOutputs === undefined && c.expectedGradients === undefined) return result;
  return { ...result, ...checkGradients(c, name, op, run) };
}

/** The backward of a gradient case against its expected ∂X, ∂W, ∂B: all within the output's tolerance. */
function checkGradients(c: VectorCase, name: string, op: 'ConvTranspose' | 'Conv', run: Execution): Partial<CaseResult> {
  let expected: { role: string; tensor: VectorTensor }[];
  let gradOutput: VectorTensor;
  try {
    gradOutput = checkTensor(name, 'gradOutputs.Y', pickTensor(c.gradOutputs, 'output'));
    expected = [
      { role: 'X', tensor: checkTensor(name, 'expectedGradients.X', pickTensor(c.expectedGradients, 'input')) },
      { role: 'W', tensor: checkTensor(name, 'expectedGradients.W', pickTensor(c.expectedGradients, 'weight')) },
    ];
    const bias = pickTensor(c.expectedGradients, 'bias');
    if (bias !== undefined) expected.push({ role: 'B', tensor: checkTensor(name, 'expectedGradients.B', bias) });
  } catch (error) {
    return { passed: false, reason: (error as Error).message };
  }
  let grads: ReturnType<typeof convBackward>;
  try {
    const backward = op === 'Conv' ? convBackward : convTransposeBackward;
    grads = backward({ input: run.x, weight: run.w, bias: run.b !== null, gradOutput: tensor(gradOutput.shape, gradOutput.data), options: run.options });
  } catch (error) {
    return { passed: false, error: (error as Error).message, reason: `the backward failed: ${(error as Error).message}` };
  }
  let relativeL2 = 0;
  let maxAbs = 0;
  for (const { role, tensor: want } of expected) {
    const got = role === 'X' ? grads.input : role === 'W' ? grads.weight : grads.bias;
    if (!got || got.shape.length !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i])) {
      return { passed: false, reason: `gradient ${role} has shape ${JSON.stringify(got?.shape ?? null)}, expected ${JSON.stringify(want.shape)}` };
    }
    const rel = relativeL2Error(got.data, want.data);
    const abs = maxAbsError(got.data, want.data);
    relativeL2 = Math.max(relativeL2, rel);
    maxAbs = Math.max(maxAbs, abs);
    if (!closeEnough(got.data, want.data)) {
      return { passed: false, gradient: { relativeL2, maxAbs }, reason: `gradient ${role} differs: relative L2 ${rel.toExponential(2)} (limit 1e-5), max abs ${abs.toExponential(2)} (limit 1e-4)` };
    }
  }
  return { gradient: { relativeL2, maxAbs } };
}

/** A case's forward: its output, and the tensors and options the backward needs. */
interface Execution {
  readonly output: Tensor;
  readonly x: Tensor;
  readonly w: Tensor;
  readonly b: Tensor | null;
  readonly options: EngineLayerOptions;
}

function execute(c: VectorCase, name: string, op: 'ConvTranspose' | 'Conv', backend: BackendChoice): Execution {
  const x = checkTensor(name, 'inputs.X', pickTensor(c.inputs, 'input'));
  const w = checkTensor(name, 'inputs.W', pickTensor(c.inputs, 'weight'));
  const b = pickTensor(c.inputs, 'bias');
  const spec = specOf(c, op, x, w);
  const options = {
    stride: spec.stride, dilation: spec.dilation, groups: spec.groups, padding: spec.padding, pads: spec.pads,
    outputPadding: spec.outputPadding, backend,
  };
  const forward = op === 'Conv' ? conv : convTranspose;
  const inputs = { x: tensor(x.shape, x.data), w: tensor(w.shape, w.data), b: b ? tensor(b.shape, checkTensor(name, 'inputs.B', b).data) : null };
  return { output: forward(inputs.x, inputs.w, inputs.b, options), ...inputs, options };
}

/** The layer of a case: PyTorch attribute names go through fromPytorch, everything else through fromOnnx. */
function specOf(c: VectorCase, op: 'ConvTranspose' | 'Conv', x: VectorTensor, w: VectorTensor): LayerSpec {
  const attributes = c.attributes ?? {};
  const keys = Object.keys(attributes);
  if (keys.length > 0 && keys.every((k) => PYTORCH_KEYS.includes(k))) {
    const a = attributes as Record<string, never>;
    const layer = fromPytorch({
      kernel: w.shape.slice(2), stride: a.stride, padding: a.padding, outputPadding: a.output_padding ?? a.outputPadding,
      dilation: a.dilation, groups: a.groups, outputSize: a.output_size ?? a.outputSize, input: x.shape.slice(2),
    });
    if (op === 'Conv') {
      const { outputPadding: _unused, ...rest } = layer;
      return { kind: 'conv', input: x.shape.slice(2), ...rest };
    }
    return { kind: 'convTranspose', input: x.shape.slice(2), ...layer };
  }
  return fromOnnx({ op, attributes: attributes as OnnxAttributes, inputShape: x.shape, weightShape: w.shape });
}
