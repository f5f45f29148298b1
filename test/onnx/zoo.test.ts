// The zoo (test/fixtures/zoo, built by scripts/zoo/build.py): every decoder runs on every available backend and
// matches PyTorch's stored output and onnxruntime-node on the same input; lint finds its upsampling path and the
// compounded overlap the analysis module computes for that path; the path's artifact image renders.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackOverlap } from '../../src/analysis/overlap.ts';
import { artifactImage } from '../../src/analysis/stack-run.ts';
import { listBackends } from '../../src/engine/index.ts';
import { createSession, lintModel, runModel } from '../../src/onnx/index.ts';
import { readTestDir } from '../../src/onnx/test-dir.ts';
import { relativeL2Error } from '../../src/tensor/compare.ts';

const ZOO = join(import.meta.dirname, '../fixtures/zoo');
const ROOT = join(import.meta.dirname, '../..');
const MODELS = readdirSync(ZOO).sort();
const TOLERANCE = 1e-5;

/** The layers of the zoo the builder script writes; a missing directory must fail, not shrink the test. */
const EXPECTED = ['dcgan', 'espcn', 'esrgan-rrdb', 'hifigan-1d', 'ldm-vae-decoder', 'pix2pix-unet', 'realesrgan-unshuffle', 'unet-maxpool', 'unet3d'];

test('the zoo holds the nine architectures of scripts/zoo/build.py, under 4 MB together', () => {
  assert.deepEqual(MODELS, EXPECTED);
  let bytes = 0;
  for (const name of MODELS) {
    bytes += readFileSync(join(ZOO, name, 'model.onnx')).length;
    for (const file of readdirSync(join(ZOO, name, 'test_data_set_0'))) bytes += readFileSync(join(ZOO, name, 'test_data_set_0', file)).length;
  }
  assert.ok(bytes < 4 * 1024 ** 2, `${bytes} bytes`);
});

type OrtModule = typeof import('onnxruntime-node');
let ort: OrtModule | null = null;
let ortReason = '';
try {
  ort = await import('onnxruntime-node');
} catch (error) {
  ortReason = `onnxruntime-node does not load here: ${(error as Error).message.split('\n')[0]}`;
}

/** onnxruntime-node's output for the stored input (one session per model, released at once). */
async function ortOutput(dir: string, feeds: Record<string, { shape: readonly number[]; data: ArrayLike<number> }>, output: string): Promise<Float32Array> {
  const session = await ort!.InferenceSession.create(join(dir, 'model.onnx'), { intraOpNumThreads: 1, graphOptimizationLevel: 'disabled' });
  try {
    const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort!.Tensor('float32', Float32Array.from(v.data), [...v.shape])]));
    const result = await session.run(ortFeeds);
    return result[output]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

const BACKENDS = listBackends();
const cache = new Map<string, Float32Array>();

for (const name of EXPECTED) {
  const dir = join(ZOO, name);
  for (const backend of BACKENDS) {
    const skip = backend.available ? false : `${backend.name} backend unavailable: ${backend.reason}`;
    test(`zoo ${name} on the ${backend.name} backend matches PyTorch and onnxruntime-node (relative L2 ≤ ${TOLERANCE}), run and in a session`, { skip }, async () => {
      const { model, dataSets } = readTestDir(dir);
      const set = dataSets[0]!;
      const feeds = Object.fromEntries(model.inputs.map((v, i) => [v.name, set.inputs[i]!]));
      const outputName = model.outputs[0]!.name;
      const actual = runModel(model, feeds, { backend: backend.name }).get(outputName)!;
      const expected = set.outputs[0]!;
      assert.deepEqual(actual.shape, expected.shape);
      const vsTorch = relativeL2Error(actual.data, expected.data);
      assert.ok(vsTorch <= TOLERANCE, `${name} on ${backend.name}: relative L2 ${vsTorch} against PyTorch`);
      // A session's rewrites (BatchNorm folded, activations and SiLU fused) keep it within the same bound.
      const session = createSession(model, { backend: backend.name });
      try {
        const rewritten = session.run(feeds).get(outputName)!;
        const sessionVsTorch = relativeL2Error(rewritten.data, expected.data);
        assert.ok(sessionVsTorch <= TOLERANCE, `${name} on ${backend.name}, session: relative L2 ${sessionVsTorch} against PyTorch`);
      } finally {
        session.dispose();
      }
      if (!ort) return; // the onnxruntime comparison has its own test below, which reports the reason
      if (!cache.has(name)) cache.set(name, await ortOutput(dir, feeds, outputName));
      const vsOrt = relativeL2Error(actual.data, cache.get(name)!);
      assert.ok(vsOrt <= TOLERANCE, `${name} on ${backend.name}: relative L2 ${vsOrt} against onnxruntime-node`);
    });
  }
}

test('onnxruntime-node itself matches PyTorch on the zoo (the second reference agrees with the first)', { skip: ort ? false : ortReason }, async () => {
  for (const name of EXPECTED) {
    const { model, dataSets } = readTestDir(join(ZOO, name));
    const set = dataSets[0]!;
    const feeds = Object.fromEntries(model.inputs.map((v, i) => [v.name, set.inputs[i]!]));
    const y = cache.get(name) ?? await ortOutput(join(ZOO, name), feeds, model.outputs[0]!.name);
    const error = relativeL2Error(y, set.outputs[0]!.data);
    assert.ok(error <= TOLERANCE, `${name}: onnxruntime-node vs PyTorch relative L2 ${error}`);
  }
});

/** What lint must find per model: the path's sizes, its layer count, and whether its interior was measured larger. */
const PATHS: Record<string, { input: number[]; output: number[]; layers: number; widened: boolean }> = {
  'dcgan': { input: [4, 4], output: [64, 64], layers: 4, widened: false },
  'esrgan-rrdb': { input: [16, 16], output: [64, 64], layers: 7, widened: false },
  'espcn': { input: [16, 16], output: [96, 96], layers: 7, widened: false },
  'hifigan-1d': { input: [16], output: [512], layers: 23, widened: false },
  'ldm-vae-decoder': { input: [8, 8], output: [32, 32], layers: 6, widened: false },
  'pix2pix-unet': { input: [32, 32], output: [32, 32], layers: 8, widened: true },
  'realesrgan-unshuffle': { input: [8, 8], output: [32, 32], layers: 7, widened: false },
  'unet-maxpool': { input: [16, 16], output: [32, 32], layers: 5, widened: false },
  'unet3d': { input: [8, 8, 8], output: [16, 16, 16], layers: 5, widened: true },
};

for (const name of EXPECTED) {
  test(`zoo ${name}: lint finds the upsampling path, its compounded overlap is the analysis module's, and its artifact image renders`, () => {
    const { model } = readTestDir(join(ZOO, name));
    const report = lintModel(model);
    const want = PATHS[name]!;
    const path = report.path!;
    assert.ok(path, `${name}: no path (${report.pathNote})`);
    assert.deepEqual([path.inputSize, path.outputSize, path.nodes.length], [want.input, want.output, want.layers]);
    // Every zoo layer has even geometry (kernels multiples of their strides, resizes, pixel shuffles).
    assert.deepEqual(report.uneven, []);
    assert.equal(path.overlap.even, true);
    assert.equal(path.overlap.bordersOnly, false);
    assert.equal(path.overlap.interiorMeasuredAt !== null, want.widened);
    // The compounded overlap is the analysis module's on the path's stack, step by step.
    const direct = stackOverlap(path.stack);
    assert.deepEqual(path.overlap.steps.map((s) => s.ratio), direct.steps.map((s) => s.ratio));
    assert.deepEqual(direct.shape, want.output);
    // The weight-induced checkerboard of the actual weights is scored for every transposed layer.
    for (const layer of report.layers) if (layer.op === 'ConvTranspose') assert.ok(layer.weightScore !== null && layer.weightScore >= 0, layer.node);
    const image = artifactImage(path.stack, { seed: 1 });
    assert.deepEqual([...image.shape], want.output);
    assert.ok(image.values.every((v) => Number.isFinite(v)));
  });
}

test('the pix2pix bottleneck (2×2, all border) does not read as a checkerboard: its interior is measured at a larger input', () => {
  const report = lintModel(readTestDir(join(ZOO, 'pix2pix-unet')).model);
  assert.deepEqual(report.path!.overlap.interiorMeasuredAt, [64, 64]);
  assert.equal(report.path!.overlap.even, true);
  assert.deepEqual(report.suggestions, []);
  // The whole encoder-decoder chain, as a stack: at 32 no output escapes the borders of the 2×2 bottleneck; at a
  // larger input the interior is there and even, as every layer's kernel is a multiple of its stride.
  const down = { kind: 'conv', kernel: 4, stride: 2, padding: 1 } as const;
  const up = { kind: 'convTranspose', kernel: 4, stride: 2, padding: 1 } as const;
  const whole = stackOverlap({ input: 32, layers: [down, down, down, down, up, up, up, up] });
  assert.equal(whole.axes[0]!.bordersOnly, true);
  assert.ok(whole.interiorMeasuredAt !== null);
  assert.equal(whole.even, true);
});

const scratch = mkdtempSync(join(tmpdir(), 'tconv-zoo-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('tconv render artifact --model draws the decoder path of a zoo model as PNG', () => {
  const out = join(scratch, 'ldm.png');
  const stdout = execFileSync(process.execPath, ['--conditions=tconv-source', '--import', 'tsx', join(ROOT, 'src/cli/main.ts'),
    'render', 'artifact', '--model', join(ZOO, 'ldm-vae-decoder/model.onnx'), '--out', out], { encoding: 'utf8', timeout: 60_000 });
  assert.match(stdout, /wrote .*ldm\.png \(png\)/);
  const png = readFileSync(out);
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
  // 32×32 outputs at the default cell size (image about 512 pixels wide): width = 32 × cell.
  assert.equal(png.readUInt32BE(16) % 32, 0);
});
