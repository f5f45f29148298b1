// Fuzzing the ONNX reader, shape inference, lint and executor: mutated and random bytes must either work or be
// refused with a TconvError — never another exception, never a runaway allocation (budgets below). Used by
// test/onnx/fuzz.test.ts (short, in npm test) and scripts/fuzz-onnx.ts (long runs).
import { isTconvError } from '../../src/shape/errors.ts';
import { createRng, randomTensor, type Rng } from '../../src/engine/index.ts';
import { inferShapes, readModel, readTensorProto, runModel } from '../../src/onnx/index.ts';
import { lintModel } from '../../src/onnx/lint.ts';
import { ModelProto } from '../../src/onnx/schema.ts';

export type Outcome = 'ran' | 'linted' | 'rejected';

export interface FuzzFailure {
  readonly iteration: number;
  readonly bytes: Uint8Array;
  readonly error: unknown;
}

export interface FuzzResult {
  readonly cases: number;
  readonly outcomes: Readonly<Record<Outcome, number>>;
  readonly failures: readonly FuzzFailure[];
  /** Slowest single case, in milliseconds. */
  readonly slowestMs: number;
}

/** Budgets of one fuzz case: far below the defaults, so a hostile shape is refused instead of computed. */
const RUN_BUDGET = { backend: 'reference', memoryLimitBytes: 64 * 1024 ** 2, maxFlops: 2e7 } as const;

/** One mutation of `bytes` (or, sometimes, bytes from nowhere). */
export function mutate(rng: Rng, bytes: Uint8Array, others: readonly Uint8Array[]): Uint8Array {
  const pick = (n: number): number => rng.int(0, Math.max(0, n - 1));
  const out = Uint8Array.from(bytes);
  switch (rng.int(0, 8)) {
    case 0: { // flip a few bits
      for (let i = rng.int(1, 8); i > 0 && out.length; i--) out[pick(out.length)]! ^= 1 << rng.int(0, 7);
      return out;
    }
    case 1: { // varint and length edge values
      const edges = [0x00, 0x01, 0x7f, 0x80, 0xff];
      for (let i = rng.int(1, 4); i > 0 && out.length; i--) out[pick(out.length)] = edges[rng.int(0, edges.length - 1)]!;
      return out;
    }
    case 2: return out.subarray(0, pick(out.length)); // truncate
    case 3: { // delete a slice
      const start = pick(out.length);
      const end = Math.min(out.length, start + rng.int(1, 64));
      return Uint8Array.from([...out.subarray(0, start), ...out.subarray(end)]);
    }
    case 4: { // duplicate a slice
      const start = pick(out.length);
      const end = Math.min(out.length, start + rng.int(1, 64));
      return Uint8Array.from([...out.subarray(0, end), ...out.subarray(start, end), ...out.subarray(end)]);
    }
    case 5: { // splice in a piece of another sample
      const other = others[pick(others.length)] ?? bytes;
      const from = pick(other.length);
      const piece = other.subarray(from, from + rng.int(1, 128));
      const at = pick(out.length);
      return Uint8Array.from([...out.subarray(0, at), ...piece, ...out.subarray(at + piece.length)]);
    }
    case 6: { // a huge varint somewhere (lengths, dims)
      const at = pick(out.length);
      out.set([0xff, 0xff, 0xff, 0xff, 0x0f].slice(0, Math.max(0, out.length - at)), at);
      return out;
    }
    case 7: { // random bytes
      const random = new Uint8Array(rng.int(0, 512));
      for (let i = 0; i < random.length; i++) random[i] = rng.int(0, 255);
      return random;
    }
    default: { // several mutations at once
      let more: Uint8Array = out;
      for (let i = rng.int(2, 4); i > 0; i--) more = mutate(rng, more, others);
      return more;
    }
  }
}

/** Reads, lints and (within budgets) runs one file; returns what happened or throws a non-TconvError. */
export function exercise(bytes: Uint8Array, seed: number): Outcome {
  try {
    const model = readModel(bytes);
    lintModel(model);
    const graph = inferShapes(model);
    const inputs = Object.fromEntries([...graph.inputShapes].map(([name, shape], i) => [name, randomTensor(shape, seed + i)]));
    runModel(model, inputs, RUN_BUDGET);
    return 'ran';
  } catch (error) {
    if (isTconvError(error)) return 'rejected';
    throw error;
  }
}

export interface FuzzOptions {
  readonly samples: readonly Uint8Array[];
  readonly iterations: number;
  /** Stop early (between cases) after this long: for the long script run; tests run every iteration. */
  readonly timeLimitMs?: number;
  readonly seed: number;
}

/**
 * @example
 * fuzz({ samples: [readFileSync('model.onnx')], iterations: 200, seed: 1 }).failures // → []
 */
export function fuzz(options: FuzzOptions): FuzzResult {
  const rng = createRng(options.seed);
  const outcomes: Record<Outcome, number> = { ran: 0, linted: 0, rejected: 0 };
  const failures: FuzzFailure[] = [];
  const started = performance.now();
  let slowestMs = 0;
  let cases = 0;
  for (let iteration = 0; iteration < options.iterations; iteration++) {
    if (options.timeLimitMs !== undefined && performance.now() - started > options.timeLimitMs) break;
    const sample = options.samples[iteration % options.samples.length]!;
    const bytes = mutate(rng, sample, options.samples);
    const t0 = performance.now();
    try {
      outcomes[exercise(bytes, iteration)]++;
    } catch (error) {
      failures.push({ iteration, bytes, error });
    }
    slowestMs = Math.max(slowestMs, performance.now() - t0);
    cases++;
  }
  return { cases, outcomes, failures, slowestMs };
}

/** TensorProto files get the same treatment (they arrive from users as --input files). */
export function fuzzTensorProto(samples: readonly Uint8Array[], iterations: number, seed: number): FuzzFailure[] {
  const rng = createRng(seed);
  const failures: FuzzFailure[] = [];
  for (let iteration = 0; iteration < iterations; iteration++) {
    const bytes = mutate(rng, samples[iteration % samples.length]!, samples);
    try {
      readTensorProto(bytes);
    } catch (error) {
      if (!isTconvError(error)) failures.push({ iteration, bytes, error });
    }
  }
  return failures;
}

/**
 * Seeds that amplify: a few bytes asking for a lot of work or memory (issue 15). Each must be refused by a limit,
 * and their mutations must stay bounded too: a ConstantOfShape-built 1024² kernel, packed dims by the thousand in
 * an initializer and in a graph input's shape, and a ConvTranspose chain longer than lint's layer budget.
 */
export function amplificationSamples(): Uint8Array[] {
  const int64 = (name: string, values: readonly number[]) => ({ name, dims: [values.length], data_type: 7, int64_data: [...values] });
  const model = (graph: Record<string, unknown>) => ModelProto.encode(ModelProto.fromObject({ ir_version: 7, opset_import: [{ domain: '', version: 13 }], graph })).finish();
  const input = (name: string, dims: readonly number[]) => ({ name, type: { tensor_type: { elem_type: 1, shape: { dim: dims.map((d) => ({ dim_value: d })) } } } });
  const convT = (x: string, w: string, y: string) => ({ op_type: 'ConvTranspose', input: [x, w], output: [y] });
  const constantKernel = model({
    name: 'cos', node: [{ op_type: 'ConstantOfShape', input: ['ws'], output: ['w'] }, convT('x', 'w', 'y')],
    initializer: [int64('ws', [1, 1, 1024, 1024])], input: [input('x', [1, 1, 64, 64])], output: [{ name: 'y' }],
  });
  const packedDims = model({
    name: 'dims', node: [convT('x', 'w', 'y')], initializer: [{ name: 'w', dims: new Array<number>(20_000).fill(1), data_type: 1, raw_data: new Uint8Array(4) }],
    input: [input('x', [1, 1, 4, 4])], output: [{ name: 'y' }],
  });
  const wideInput = model({
    name: 'shape', node: [convT('x', 'w', 'y')], initializer: [{ name: 'w', dims: [1, 1, 3, 3], data_type: 1, raw_data: new Uint8Array(36) }],
    input: [input('x', new Array<number>(20_000).fill(1))], output: [{ name: 'y' }],
  });
  const layers = 2_500;
  const chain = model({
    name: 'chain', node: Array.from({ length: layers }, (_, i) => convT(i === 0 ? 'x' : `v${i}`, 'w', i === layers - 1 ? 'y' : `v${i + 1}`)),
    initializer: [{ name: 'w', dims: [1, 1, 1, 1], data_type: 1, raw_data: new Uint8Array(4) }], input: [input('x', [1, 1, 4, 4])], output: [{ name: 'y' }],
  });
  return [constantKernel, packedDims, wideInput, chain];
}
