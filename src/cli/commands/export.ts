/**
 * `tconv export STACK.json --out model.onnx`: writes a layer stack (JSON: input shape, layers, seed) as an ONNX
 * model. `--test-dir DIR` writes an ONNX test directory instead (model.onnx + test_data_set_0 with a seeded input
 * and tconv's output), which `tconv conformance DIR` and other runtimes can check.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { randomTensor } from '../../engine/index.ts';
import { checkRunBudgets, runModel } from '../../onnx/execute.ts';
import { inferShapes } from '../../onnx/graph.ts';
import { readModel } from '../../onnx/model.ts';
import { type ExportSpec, exportStack } from '../../onnx/export.ts';
import { writeTensorProto } from '../../onnx/tensor-proto.ts';
import { parseBudget, parseInteger } from '../layer-args.ts';
import { printJson, printLines, usageError } from '../output.ts';

interface ExportArgs {
  readonly out?: string;
  readonly testDir?: string;
  readonly input?: string;
  readonly seed?: string;
  readonly backend: string;
  readonly maxFlops?: string;
  readonly maxMemory?: string;
  readonly json?: boolean;
}

export function register(program: Command): void {
  program
    .command('export')
    .summary('write a layer stack (JSON) as an ONNX model')
    .description('Write a stack of layers — convTranspose, conv, batchNorm, relu, leakyRelu, tanh, sigmoid, resize '
      + '(nearest/bilinear, as torch.nn.Upsample), pixelShuffle — as an ONNX model (opset 13) that onnxruntime and '
      + 'other runtimes execute. Weights are PyTorch-style default initialisations from a seed, or given in the JSON.')
    .argument('<stack>', 'JSON file: { "input": [N, C, H, W], "seed": 1, "layers": [{ "kind": "convTranspose", "outChannels": 8, "kernel": 4, "stride": 2, "padding": 1 }, …] }')
    .option('-o, --out <file>', 'the .onnx file to write')
    .option('--test-dir <dir>', 'write an ONNX test directory: model.onnx and test_data_set_0 with a seeded input and tconv\'s output')
    .option('-i, --input <shape>', 'override the input shape, e.g. 1x16x4x4')
    .option('-s, --seed <n>', 'override the stack\'s seed (weights and test input)')
    .option('-b, --backend <name>', 'engine backend for --test-dir\'s output', 'auto')
    .option('--max-flops <n>', 'work budget the model must fit, as tconv run checks it (default 1e11)')
    .option('--max-memory <bytes>', 'memory budget the model must fit, as tconv run checks it (default 4GiB)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', [
      '',
      'Examples:',
      '  tconv export test/fixtures/onnx/stacks/decoder.json --out decoder.onnx',
      '  tconv export test/fixtures/onnx/stacks/decoder.json --test-dir decoder/ && tconv conformance decoder/',
    ].join('\n'))
    .action((path: string, args: ExportArgs) => {
      if (!args.out && !args.testDir) throw usageError('stack', path, 'needs somewhere to go: --out or --test-dir', 'give --out model.onnx');
      const spec = readSpec(path, args);
      const result = exportStack(spec);
      // What `tconv run` would refuse is not written: the bytes are read back and checked as run checks them.
      const budgets = {
        ...(args.maxFlops === undefined ? {} : { maxFlops: parseBudget('--max-flops', args.maxFlops) }),
        ...(args.maxMemory === undefined ? {} : { memoryLimitBytes: parseBudget('--max-memory', args.maxMemory) }),
      };
      const reread = readModel(result.bytes);
      checkRunBudgets(inferShapes(reread, { inputShapes: Object.fromEntries(reread.inputs.map((v) => [v.name, spec.input])) }), budgets);
      const written: string[] = [];
      if (args.out) {
        writeFileSync(args.out, result.bytes);
        written.push(args.out);
      }
      if (args.testDir) {
        const set = join(args.testDir, 'test_data_set_0');
        mkdirSync(set, { recursive: true });
        writeFileSync(join(args.testDir, 'model.onnx'), result.bytes);
        const x = randomTensor(spec.input, spec.seed ?? 1, { distribution: 'normal' });
        const y = runModel(result.model, { input: x }, { backend: args.backend as never, ...budgets }).get('output')!;
        writeFileSync(join(set, 'input_0.pb'), writeTensorProto('input', x.shape, x.data));
        writeFileSync(join(set, 'output_0.pb'), writeTensorProto('output', y.shape, Float32Array.from(y.data)));
        written.push(args.testDir);
      }
      const summary = { input: spec.input, output: result.outputShape, nodes: result.nodes, parameters: result.parameters, bytes: result.bytes.length, written };
      if (args.json) printJson(summary);
      else printLines(`wrote ${written.join(' and ')}: ${result.nodes} nodes, ${result.parameters} parameters, ${result.bytes.length} bytes; ${spec.input.join('×')} → ${result.outputShape.join('×')}`);
    });
}

function readSpec(path: string, args: ExportArgs): ExportSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw usageError('stack', path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, 'check the path to the JSON stack');
  }
  let spec: ExportSpec;
  try {
    spec = JSON.parse(text) as ExportSpec;
  } catch (error) {
    throw usageError('stack', path, `is not valid JSON (${(error as Error).message})`, 'fix the JSON syntax');
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw usageError('stack', path, 'must hold a JSON object with "input" and "layers"', 'see tconv export --help');
  const input = args.input === undefined ? spec.input : parseShape(args.input);
  const seed = args.seed === undefined ? spec.seed : parseInteger('--seed', args.seed);
  return { ...spec, input, ...(seed === undefined ? {} : { seed }) };
}

/** "1x16x4x4" → [1, 16, 4, 4]. */
function parseShape(text: string): number[] {
  const parts = text.trim().split(/[x×,]/);
  if (parts.length < 3 || parts.length > 5 || !parts.every((p) => /^\d+$/.test(p.trim()))) {
    throw usageError('--input', text, 'is not a shape N×C×spatial (3 to 5 sizes joined by x)', 'write e.g. --input 1x16x4x4');
  }
  return parts.map(Number);
}
