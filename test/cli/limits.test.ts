// Hostile inputs of issue 15 (readers, budgets, faces): each gets a prompt, named refusal with the flag that raises
// the limit, the right exit status (1: a bad model or data file, 2: arguments), and a short message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModel, readTensorProto, runModel } from '../../src/onnx/index.ts';
import { TensorProto } from '../../src/onnx/schema.ts';
import { int64TensorProto } from '../../src/onnx/tensor-proto.ts';
import { TconvError } from '../../src/shape/errors.ts';
import { solve } from '../../src/shape/inverse.ts';
import { polyphase } from '../../src/shape/phases.ts';
import { pytorchTransposedOutputSize } from '../../src/shape/formulas.ts';
import { buildModel, ints, node, weight } from '../onnx/build-model.ts';
import { runInProcess } from './in-process.ts';
import { type CliResult, runCli } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'tconv-limits-'));
const file = (name: string, bytes: Uint8Array | string): string => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

/** The CLI in this process; conformance, whose action is async, through the real bin. */
async function cli(...args: string[]): Promise<CliResult> {
  return args[0] === 'conformance' ? runCli(...args) : runInProcess(...args);
}

const convT = (input: string, output: string, attributes = [ints('strides', [2, 2])]) => node('ConvTranspose', [input, 'w'], [output], attributes);

/** ConstantOfShape builds a k×k kernel from 8 bytes of shape: a tiny file, a huge convolution. */
function constantKernelModel(k: number, n: number): string {
  return file(`cos-${k}-${n}.onnx`, buildModel({
    nodes: [node('ConstantOfShape', ['ws'], ['w']), node('ConvTranspose', ['x', 'w'], ['y'])],
    initializers: [int64TensorProto('ws', [4], [1, 1, k, k])],
    inputs: [{ name: 'x', shape: [1, 1, n, n] }],
  }));
}

function chainModel(layers: number): string {
  const nodes = Array.from({ length: layers }, (_, i) => convT(i === 0 ? 'x' : `v${i}`, i === layers - 1 ? 'y' : `v${i + 1}`, [ints('pads', [1, 1, 1, 1])]));
  return file(`chain-${layers}.onnx`, buildModel({ nodes, initializers: [weight('w', [1, 1, 3, 3])], inputs: [{ name: 'x', shape: [1, 1, 8, 8] }] }));
}

test('packed dims are counted before decoding: a tensor of more than 64 axes is refused, briefly', () => {
  const dims = new Array<number>(5000).fill(1);
  const bytes = buildModel({ nodes: [convT('x', 'y')], initializers: [{ name: 'w', dims, data_type: 1, raw_data: new Uint8Array(4) }] });
  assert.throws(() => readModel(bytes), (e: unknown) => e instanceof TconvError && e.code === 'invalid-model'
    && /TensorProto\.dims \("more than 64 values"\) declares more axes than tconv reads \(at most 64\)/.test(e.message) && e.message.length < 300);
  const pb = TensorProto.encode(TensorProto.fromObject({ dims, data_type: 1 })).finish();
  assert.throws(() => readTensorProto(pb, 'x.pb'), { code: 'invalid-model', message: /^x\.pb: TensorProto\.dims/ });
});

test('repeated fields that would decode into too many objects are refused before decoding', () => {
  const pb = TensorProto.encode(TensorProto.fromObject({ dims: [200_000], data_type: 7, int64_data: new Array<number>(200_000).fill(1) })).finish();
  assert.throws(() => readTensorProto(pb, 'x.pb', { maxDecodedBytes: 1024 ** 2 }), {
    code: 'invalid-model', message: /^x\.pb \("\d+ bytes"\) would decode into more than 1 MiB of objects/,
  });
  assert.equal(readTensorProto(pb, 'x.pb').shape[0], 200_000);
  assert.throws(() => readTensorProto(pb, 'x.pb', { maxBytes: 1000 }), { code: 'invalid-model', message: /is larger than the limit of 1000 bytes for a tensor file/ });
});

test('error records stay short whatever the input', () => {
  const huge = Array.from({ length: 1_000_000 }, (_, i) => i);
  const error = new TconvError({ code: 'invalid-model', parameter: 'x', value: huge, rule: `r${'x'.repeat(10_000)}`, hint: 'h' });
  assert.ok(error.message.length < 1000, `${error.message.length} characters`);
  assert.deepEqual((error.value as unknown[]).at(-1), '… (1000000 items)');
  // A .pb whose dims disagree with its data names the dims without listing a million of them.
  const pb = TensorProto.encode(TensorProto.fromObject({ dims: [3, 5], data_type: 1, float_data: new Array<number>(100_000).fill(0) })).finish();
  assert.throws(() => readTensorProto(pb, 'x.pb'), (e: unknown) => e instanceof TconvError && e.message.length < 300);
});

test('run --random: sizes are refused by name before any input is allocated', async () => {
  const model = file('sym.onnx', buildModel({ nodes: [convT('x', 'y')], initializers: [weight('w', [2, 2, 3, 3])], inputs: [{ name: 'x', shape: ['batch', 2, 64, 64] }] }));
  const absurd = await cli('run', model, '--random', '--dim', 'batch=99999999999');
  assert.equal(absurd.status, 2);
  assert.match(absurd.stderr, /^tconv: --dim \("batch=99999999999"\) must give a size from 1 to 2147483647/);
  const big = await cli('run', model, '--random', '--dim', 'batch=100000', '--backend', 'reference');
  assert.equal(big.status, 2);
  assert.match(big.stderr, /over the limit of 4\.00 GiB.*raise it with --max-memory\n$/);
  assert.doesNotMatch(big.stderr, /memoryLimitBytes/);
});

test('run: a ConstantOfShape-built kernel is refused by its work, with --max-flops', async () => {
  const result = await cli('run', constantKernelModel(64, 8), '--random', '--backend', 'reference', '--max-flops', '1e6');
  assert.equal(result.status, 2);
  // 2 × output 71² × 64² taps: what the kernel visits, not the 2·8²·64² multiply-adds of its inputs.
  assert.match(result.stderr, /^tconv: model \("4\.13e\+7 FLOPs"\) needs more than the budget of 1\.00e\+6 FLOPs; raise it with --max-flops, or use a smaller input or batch\n$/);
  const model = readModel(Uint8Array.from(buildModel({
    nodes: [node('ConstantOfShape', ['ws'], ['w']), node('ConvTranspose', ['x', 'w'], ['y'])],
    initializers: [int64TensorProto('ws', [4], [1, 1, 1024, 1024])], inputs: [{ name: 'x', shape: [1, 1, 64, 64] }],
  })));
  assert.throws(() => runModel(model, { x: { shape: [1, 1, 64, 64], data: new Float32Array(4096) } }), { code: 'work-limit' });
  assert.throws(() => runModel(model, { x: { shape: [1, 1, 64, 64], data: new Float32Array(4096) } }, { maxFlops: Number.NaN }), { code: 'invalid-value', message: /^maxFlops \(NaN\)/ });
  assert.equal((await cli('run', constantKernelModel(4, 4), '--random', '--backend', 'reference', '--max-flops', 'abc')).status, 2);
});

test('lint: a layer budget up front, and a long chain analysed without recursion', async () => {
  const refused = await cli('lint', chainModel(40), '--max-layers', '30');
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /^tconv: model \("40 layers"\) needs more than the budget of 30 layers; raise it with --max-layers/);
  const long = await cli('lint', chainModel(400), '--json');
  assert.equal(long.status, 0, long.stderr);
  assert.equal(JSON.parse(long.stdout).layers.length, 400);
});

test('every problem inside a model or data file exits 1; a missing file exits 2', async () => {
  const unsupported = file('unsupported.onnx', buildModel({ nodes: [node('Einsum', ['x'], ['y'])] }));
  assert.equal((await cli('run', unsupported, '--random')).status, 1);
  const badAttribute = file('op.onnx', buildModel({ nodes: [convT('x', 'y', [ints('strides', [2, 2]), ints('output_padding', [5, 5])])], initializers: [weight('w', [2, 2, 3, 3])] }));
  const bad = await cli('run', badAttribute, '--random');
  assert.equal(bad.status, 1, bad.stderr);
  assert.equal((await cli('lint', badAttribute)).status, 1);
  const good = file('good.onnx', buildModel({ nodes: [convT('x', 'y')], initializers: [weight('w', [2, 2, 3, 3])] }));
  const npy = file('bad.npy', 'not numpy at all');
  assert.equal((await cli('run', good, '--input', npy)).status, 1);
  assert.equal((await cli('run', join(dir, 'missing.onnx'), '--random')).status, 2);
});

test('solve and plan price their search up front, with --max-candidates', async () => {
  const solveResult = await cli('solve', '--from', '1', '--to', '1000', '--max-padding', '10000000', '--max-kernel', '100000', '--max-stride', '10', '--max-dilation', '1');
  assert.equal(solveResult.status, 2);
  assert.match(solveResult.stderr, /^tconv: solve \("5\.00e\+9 candidate steps"\) needs more than the budget of 2\.00e\+7 candidate steps; raise it with --max-candidates/);
  const planResult = await cli('plan', '--from', '4', '--to', '64', '--layers', '4', '--max-kernel', '100000', '--max-stride', '100000');
  assert.equal(planResult.status, 2);
  assert.match(planResult.stderr, /^tconv: plan \("[0-9.e+]+ candidate layers"\) needs more than the budget of 2\.00e\+8 candidate layers; raise it with --max-candidates/);
  assert.equal((await cli('solve', '--from', '32', '--to', '64', '--limit', '-1')).status, 2);
  assert.equal((await cli('plan', '--from', '4', '--to', '64', '--layers', '2', '--limit', '0')).status, 2);
});

test('solve counts taps per phase as the polyphase split does', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const input = 1 + (seed * 7) % 13;
    const [x] = solve({ from: input, to: pytorchTransposedOutputSize(input, 1 + seed % 9, 1 + seed % 5, 0, 1 + seed % 3, 0), kernel: 1 + seed % 9, stride: 1 + seed % 5, dilation: 1 + seed % 3, limit: 1 });
    assert.ok(x, `seed ${seed}`);
    const phases = polyphase({ input, kernel: x.kernel[0]!, stride: x.stride[0]!, dilation: x.dilation[0]!, padBegin: x.padding[0]!, output: x.output[0]! });
    assert.deepEqual(x.phaseTaps[0], phases.phases.map((p) => p.taps.length), `seed ${seed}`);
    assert.equal(x.even, phases.even);
    assert.equal(x.holes, phases.holes);
  }
});

test('render prices pictures in cells before drawing, with --max-cells; --out names a format it writes', async () => {
  const taps = await cli('render', 'taps', '-k', '65536', '-s', '65536', '-i', '4');
  assert.equal(taps.status, 2);
  assert.match(taps.stderr, /^tconv: taps picture \("8\.59e\+9 cells"\) needs more than the budget of 5\.00e\+7 cells; raise it with --max-cells/);
  const channels = await cli('render', 'artifact', '-k', '3', '-s', '2', '-i', '32', '-c', '100000');
  assert.match(channels.stderr, /^tconv: artifact picture \("3\.80e\+14 cells"\)/);
  assert.doesNotMatch(channels.stderr, /typed array/);
  assert.match((await cli('render', 'artifact', '-k', '3', '-s', '2', '-i', '2048')).stderr, /artifact picture \("1\.51e\+8 cells"\)/);
  assert.match((await cli('render', 'artifact', '-i', '4', '--stack', 'convT k3 s2 p1 op1 x24')).stderr, /artifact picture .* cells/);
  assert.match((await cli('render', 'artifact', '-k', '3', '-s', '2', '-i', '16', '--max-cells', '100')).stderr, /budget of 100 cells/);
  const gif = await cli('render', 'taps', '-k', '3', '-s', '2', '-i', '4', '--out', join(dir, 'h.gif'));
  assert.equal(gif.status, 2);
  assert.match(gif.stderr, /--out .* ends in "\.gif", a format tconv does not write; name a \.svg, \.png or \.txt file/);
  assert.equal(existsSync(join(dir, 'h.gif')), false);
  assert.match((await cli('render', 'taps', '-k', '3', '-s', '2', '-i', '4', '--out', join(dir, 'h.svg'), '--format', 'png')).stderr, /--format \("png"\) contradicts --out/);
  assert.equal((await cli('render', 'taps', '-k', '3', '-s', '2', '-i', '4', '--out', join(dir, 'h.svg'))).status, 0);
});

test('explain names only what the user gave; --target must be a size', async () => {
  const dilated = await cli('explain', '-k', '3', '-s', '2', '-d', '1000000', '-i', '8');
  assert.equal(dilated.status, 0, dilated.stderr);
  assert.doesNotMatch(dilated.stdout + dilated.stderr, /maxKernel|candidates/);
  const negative = await cli('explain', '-k', '3', '-s', '2', '-i', '8', '--target', '-5');
  assert.equal(negative.status, 2);
  assert.match(negative.stderr, /^tconv: --target \("-5"\) must be an output size of 1 or more/);
});

test('stack: a layer budget, and repeats refused before they are made', async () => {
  const long = await cli('stack', '-i', '8', '--stack', 'convT k3 s1 p1 x300');
  assert.equal(long.status, 2);
  assert.match(long.stderr, /^tconv: stack \("300 layers"\) needs more than the budget of 256 layers; raise it with --max-layers/);
  assert.match((await cli('stack', '-i', '8', '--stack', 'convT k3 s1 p1 x99999999999')).stderr, /makes the stack longer than 100000 layers/);
  const deep = await cli('stack', '-i', '8', '--stack', 'convT k3 s1 p1 x60');
  assert.equal(deep.status, 0, deep.stderr);
  assert.doesNotMatch(deep.stdout, /FAILED/);
});

test('conformance never echoes a file that is not JSON, and prices its cases', async () => {
  const secret = file('secret.json', 'root:secret-password:0:0\n');
  const result = await cli('conformance', secret);
  assert.equal(result.status, 1);
  assert.doesNotMatch(result.stderr, /secret-password|root:/);
  assert.doesNotMatch(result.stdout, /secret-password|root:/);
  // An unreadable file is one failed case of the run (which always reaches its summary), not an abort.
  assert.match(result.stdout, /\("25 characters"\) is not valid JSON/);
  const cases = file('cases.json', JSON.stringify({ cases: [{ name: 'c', inputs: { X: { shape: [1, 1, 2, 2], data: [1, 2, 3, 4] }, W: { shape: [1, 1, 2, 2], data: [1, 1, 1, 1] } }, outputs: {} }] }));
  const priced = await cli('conformance', cases, '--max-flops', '10');
  assert.equal(priced.status, 2);
  assert.match(priced.stderr, /^tconv: cases \("32 FLOPs"\) needs more than the budget of 10 FLOPs; raise it with --max-flops/);
});

test('export refuses a model that run would refuse', async () => {
  const spec = file('stack.json', JSON.stringify({ input: [1, 4, 16, 16], layers: [{ kind: 'convTranspose', outChannels: 4, kernel: 4, stride: 2, padding: 1 }] }));
  const out = join(dir, 'refused.onnx');
  const refused = await cli('export', spec, '--out', out, '--max-flops', '1000');
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /needs more than the budget of 1000 FLOPs/);
  assert.equal(existsSync(out), false);
  assert.equal((await cli('export', spec, '--out', join(dir, 'ok.onnx'))).status, 0);
});
