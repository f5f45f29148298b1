/**
 * `tconv run MODEL.onnx`: runs an ONNX model on tconv's engine. Inputs come from .pb/.npy files or a seeded random
 * tensor; outputs go to .pb/.npy files, or a summary (shape and statistics) is printed.
 */
import type { Command } from 'commander';
import { getBackend, randomTensor } from '../../engine/index.ts';
import { inferShapes } from '../../onnx/graph.ts';
import { readModel } from '../../onnx/model.ts';
import { checkRunBudgets, runModel } from '../../onnx/execute.ts';
import type { OnnxModel } from '../../onnx/model.ts';
import { readTensorFile, writeTensorFile } from '../../onnx/tensor-files.ts';
import { MAX_TENSOR_ELEMENTS } from '../../shape/plan.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { parseBudget, parseInteger } from '../layer-args.ts';
import { fromFile, printJson, printLines, readUserFile, renderTable, usageError } from '../output.ts';

interface RunArgs {
  readonly input?: string[];
  readonly random?: boolean;
  readonly seed: string;
  readonly dim?: string[];
  readonly backend: string;
  readonly threads?: string;
  readonly output?: string[];
  readonly maxFlops?: string;
  readonly maxMemory?: string;
  readonly json?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function register(program: Command): void {
  program
    .command('run')
    .summary('run an ONNX model on tconv\'s engine')
    .description('Run an ONNX model (ConvTranspose, Conv, Resize, DepthToSpace, BatchNormalization, activations, '
      + 'Gemm/Reshape heads) and write or summarize its outputs.')
    .argument('<model>', 'the .onnx file')
    .option('-i, --input <file>', 'input tensor (.pb or .npy); repeat for several inputs, or NAME=FILE', collect)
    .option('-r, --random', 'use seeded random inputs of the declared shapes instead of files')
    .option('-s, --seed <n>', 'seed for --random', '1')
    .option('-d, --dim <name=size>', 'size of a symbolic dimension for --random, e.g. batch=4', collect)
    .option('-b, --backend <name>', 'engine backend: auto, reference, wasm or native', 'auto')
    .option('-t, --threads <n>', 'worker threads for backends that use them')
    .option('-o, --output <file>', 'write an output (.pb or .npy); repeat for several outputs, or NAME=FILE', collect)
    .option('--max-flops <n>', 'work budget of the convolutions, e.g. 1e12 or none (default 1e11; see docs/limits.md)')
    .option('--max-memory <bytes>', 'memory budget of the model\'s values, e.g. 8GiB (default 4GiB)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', [
      '',
      'Examples:',
      '  tconv run test/fixtures/onnx/dcgan/model.onnx --random --seed 7 --dim batch=4 --output image.npy',
      '  tconv run model.onnx --input test_data_set_0/input_0.pb --output y.pb --backend reference',
    ].join('\n'))
    .action((path: string, args: RunArgs) => {
      // Resolve the backend first: an unavailable one is a clear error before any work, and 'auto' is named.
      const backend = getBackend(args.backend as never).name;
      const budgets = {
        ...(args.maxFlops === undefined ? {} : { maxFlops: parseBudget('--max-flops', args.maxFlops) }),
        ...(args.maxMemory === undefined ? {} : { memoryLimitBytes: parseBudget('--max-memory', args.maxMemory) }),
      };
      const threads = args.threads === undefined ? undefined : parseInteger('--threads', args.threads);
      const model = fromFile(() => readModel(readUserFile(path, 'model', 'the .onnx file')));
      const inputs = args.random ? randomInputs(model, args, budgets) : fileInputs(model, path, args.input ?? []);
      const started = performance.now();
      const outputs = fromFile(() => runModel(model, inputs, { backend, threads, ...budgets }));
      const milliseconds = performance.now() - started;
      const written = writeOutputs(model, outputs, args.output ?? []);
      const summary = [...outputs].map(([name, t]) => ({ name, shape: t.shape, ...stats(t.data), file: written.get(name) ?? null }));
      if (args.json) {
        printJson({ model: path, backend, milliseconds, inputs: Object.entries(inputs).map(([name, t]) => ({ name, shape: t.shape })), outputs: summary });
        return;
      }
      printLines(
        renderTable(['output', 'shape', 'min', 'max', 'mean', 'written to'], summary.map((s) => [
          s.name, s.shape.join('×'), fmt(s.min), fmt(s.max), fmt(s.mean), s.file ?? '-',
        ])),
        `ran ${model.nodes.length} nodes in ${milliseconds.toFixed(1)} ms (backend ${backend})`,
      );
    });
}

/** --input FILE… in the order of the model's inputs, or NAME=FILE. */
function fileInputs(model: OnnxModel, path: string, specs: readonly string[]): Record<string, Tensor> {
  if (specs.length === 0) throw usageError('model', path, 'needs its inputs: --input files or --random', 'give --input x.pb (or .npy), or --random --seed N');
  const inputs: Record<string, Tensor> = {};
  specs.forEach((spec, i) => {
    const eq = spec.indexOf('=');
    const named = eq > 0 && model.inputs.some((v) => v.name === spec.slice(0, eq));
    const name = named ? spec.slice(0, eq) : model.inputs[i]?.name;
    if (name === undefined) throw usageError('--input', spec, `is input number ${i + 1}, but the model takes ${model.inputs.length}`, 'give one --input per model input');
    const file = named ? spec.slice(eq + 1) : spec;
    inputs[name] = fromFile(() => readTensorFile(file));
  });
  return inputs;
}

/** Seeded random inputs of the declared shapes, allocated only after the shapes pass every rule and budget. */
function randomInputs(model: OnnxModel, args: RunArgs, budgets: { maxFlops?: number; memoryLimitBytes?: number }): Record<string, Tensor> {
  if (args.input?.length) throw usageError('--random', true, 'cannot be combined with --input', 'give either --input files or --random');
  const seed = parseInteger('--seed', args.seed);
  const dims: Record<string, number> = {};
  for (const spec of args.dim ?? []) {
    const match = /^([^=]+)=(\d+)$/.exec(spec);
    if (!match) throw usageError('--dim', spec, 'is not NAME=SIZE', 'write e.g. --dim batch=4');
    const size = Number(match[2]);
    if (size < 1 || size > MAX_TENSOR_ELEMENTS) {
      throw usageError('--dim', spec, `must give a size from 1 to ${MAX_TENSOR_ELEMENTS}`, `write e.g. --dim ${match[1]}=4`);
    }
    dims[match[1]!] = size;
  }
  const shapes: Record<string, number[]> = {};
  for (const input of model.inputs) {
    if (input.shape === null) throw usageError('--random', true, `cannot size input "${input.name}", which has no declared shape`, 'give --input files instead');
    const shape = input.shape.map((d) => (typeof d === 'number' ? d : typeof d === 'string' ? dims[d] ?? 1 : 1));
    const count = shape.reduce((a, b) => a * b, 1);
    if (count > MAX_TENSOR_ELEMENTS) {
      throw usageError('--dim', args.dim ?? [], `makes input "${input.name}" [${shape.join(', ')}] hold ${count} elements, over tconv's limit of ${MAX_TENSOR_ELEMENTS} per tensor`, 'give smaller --dim sizes');
    }
    shapes[input.name] = shape;
  }
  // Rules, memory and work are checked on the shapes: nothing is allocated for a run that would be refused.
  fromFile(() => checkRunBudgets(inferShapes(model, { inputShapes: shapes }), budgets));
  return Object.fromEntries(model.inputs.map((input, i) => [input.name, randomTensor(shapes[input.name]!, seed + i, { distribution: 'normal' })]));
}

function writeOutputs(model: OnnxModel, outputs: Map<string, { shape: readonly number[]; data: Float32Array | Float64Array }>, specs: readonly string[]): Map<string, string> {
  const written = new Map<string, string>();
  specs.forEach((spec, i) => {
    const eq = spec.indexOf('=');
    const named = eq > 0 && outputs.has(spec.slice(0, eq));
    const name = named ? spec.slice(0, eq) : model.outputs[i]?.name;
    if (name === undefined) throw usageError('--output', spec, `is output number ${i + 1}, but the model has ${model.outputs.length}`, 'give one --output per model output');
    const file = named ? spec.slice(eq + 1) : spec;
    const t = outputs.get(name)!;
    writeTensorFile(file, name, { shape: t.shape, data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data) });
    written.set(name, file);
  });
  return written;
}

function stats(data: ArrayLike<number>): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: data.length > 0 ? sum / data.length : NaN };
}

const fmt = (v: number): string => (Number.isFinite(v) ? v.toPrecision(4) : String(v));
