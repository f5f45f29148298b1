/**
 * The analysis commands as users run them: `tconv plan`, `render`, `stack`, `alternatives`, `explain --picture`.
 * Expected values come from the library (planDecoder, layerOverlap), not from hand-typed numbers. A few calls run
 * the real bin (runCli, ~1 s each); the rest run the same commands in this process (runInProcess).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { layerOverlap, overlapMap } from '../../src/analysis/overlap.ts';
import { planDecoder } from '../../src/analysis/planner.ts';
import { decodePng } from '../../src/render/png.ts';
import { jsonOf, runCli } from '../cli/run-cli.ts';
import { runInProcess } from '../cli/in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'tconv-analysis-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('tconv plan --from 4 --to 64 --layers 4: the planner\'s stacks, even first, as a table and as JSON', () => {
  const json = jsonOf(runInProcess('plan', '--from', '4', '--to', '64', '--layers', '4', '--channels', '512,256,128,64,3', '--json'));
  const expected = planDecoder({ from: 4, to: 64, layers: 4, channels: [512, 256, 128, 64, 3] });
  assert.deepEqual(json.plans.map((p: { flops: number }) => p.flops), expected.map((p) => p.flops));
  assert.equal(json.plans[0].even, true);
  const human = runCli('plan', '-f', '4', '-t', '64', '-l', '4');
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, /k2 s2 p0 \| k2 s2 p0 \| k2 s2 p0 \| k2 s2 p0 +4→8→16→32→64 +yes/);
  const bad = runInProcess('plan', '-f', '4', '-t', '64', '-l', '2', '--channels', '1,2');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /channels \(\[1, 2\]\) has 2 values but 2 layers need 3/);
});

test('tconv render heatmap of the seed k7 s2 p3 layer to PNG: heavy-overlap cells are darker than light ones', () => {
  const file = join(dir, 'k7.png');
  const result = runCli('render', 'heatmap', '-i', '32', '-k', '7', '-s', '2', '-p', '3', '--out', file, '--cell', '8');
  assert.equal(result.status, 0, result.stderr);
  const png = decodePng(readFileSync(file));
  assert.deepEqual([png.width, png.height], [63 * 8, 63 * 8]);
  const map = overlapMap(layerOverlap({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 }));
  // Interior cells (31, 31) → 16, (31, 32) → 12, (32, 32) → 9 contributions; sample each cell's centre.
  const luma = (row: number, col: number): number => {
    const [r, g, b] = png.pixel(col * 8 + 4, row * 8 + 4);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  assert.deepEqual([map[31 * 63 + 31], map[31 * 63 + 32], map[32 * 63 + 32]], [16, 12, 9]);
  assert.ok(luma(31, 31) < luma(31, 32) && luma(31, 32) < luma(32, 32), `${luma(31, 31)} ${luma(31, 32)} ${luma(32, 32)}`);
  // A corner (4 contributions) is the lightest of all.
  assert.ok(luma(0, 0) > luma(32, 32));
});

test('tconv render heatmap --stack: SVG with one cell per output; without --out an ASCII picture of the compounding', () => {
  const file = join(dir, 'stack.svg');
  assert.equal(runInProcess('render', 'heatmap', '-i', '4', '--stack', 'convT k3 s2 p1 op1 x2', '--out', file).status, 0);
  assert.equal((readFileSync(file, 'utf8').match(/data-count=/g) ?? []).length, 16 * 16);
  const text = runInProcess('render', 'heatmap', '-i', '4', '--stack', 'convT k4 s2 p1 x4');
  assert.match(text.stdout, /after layer 4 \(convT k4 s2 p1\): 64×64, interior even/);
  const bad = runCli('render', 'heatmap', '-i', '4', '--stack', 'convT q3');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--stack \("convT q3"\) has "q3", which is not a parameter/);
});

test('tconv explain --picture adds the ASCII overlap picture', () => {
  const result = runInProcess('explain', '-i', '32', '-k', '7', '-s', '2', '-p', '3', '--picture');
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /Overlap picture:\n {2}one period of the interior:\n +9 +12\n +12 +16\n/);
});

test('tconv stack: the k3 s2 decoder compounds (4:2:1, 9:1, 25:1, 64:1), DCGAN is even, and a skip check names the offset', () => {
  const uneven = runInProcess('stack', '-i', '4', '--stack', 'convT k3 s2 p1 op1 x4');
  assert.equal(uneven.status, 0, uneven.stderr);
  assert.match(uneven.stdout, /Verdict: checkerboard that compounds layer by layer \(final interior max\/min 64\)/);
  assert.match(uneven.stdout, /Engine check: the composed overlap equals the engine's all-ones run/);
  const json = jsonOf(runInProcess('stack', '-i', '4', '--stack', 'convT k4 s2 p1 x4', '--json'));
  assert.equal(json.even, true);
  assert.deepEqual(json.steps.map((s: { receptiveField: { start: number }[] }) => s.receptiveField[0]!.start), [-1 / 4, -3 / 8, -7 / 16, -15 / 32]);
  const skip = runInProcess('stack', '-i', '16', '--rank', '1', '--stack', 'conv k3 s2 p1, convT k4 s2 p1', '--skip', 'identity');
  assert.match(skip.stdout, /Skip connection: misaligned by 1\/2 output pixel\(s\) per axis \(transposed layers on their nominal grid; .*with constant weights, misaligned phase by phase: off by 1, 0 output pixel\(s\) for outputs 0–1 of each period\)\./);
});

test('tconv stack: alignment follows phases (nearest ×2 then conv k1 s2 is the identity) and marks starts the weights decide', () => {
  const identity = runInProcess('stack', '-i', '16', '--rank', '1', '--stack', 'nearest 2, conv k1 s2', '--skip', 'identity');
  assert.equal(identity.status, 0, identity.stderr);
  assert.match(identity.stdout, /2 +conv k1 s2 +16 +even +1 +1 +1 +0 +0\n/);
  assert.match(identity.stdout, /Alignment: exact \(no transposed layer's weights can move an output\)\.\n {2}1: outputs 0–1 of each period sit at 0, 0 \(exact; start is the grid through them\)\n/);
  assert.match(identity.stdout, /Skip connection: aligned: both paths put every sample at the same place on the input grid\./);
  const dcgan = runInProcess('stack', '-i', '4', '--rank', '1', '--stack', 'convT k4 s2 p1 x2');
  assert.match(dcgan.stdout, /1 +convT k4 s2 p1 +8 +even +1 +2 +1\/2 +-1\/4\* /);
  assert.match(dcgan.stdout, / {2}1: start\* is the nominal grid; with constant weights outputs 0–1 of each period sit at -1\/2, 1\/2\n {2}2: start\* is the nominal grid; with constant weights outputs 0–1 of each period sit at -1\/2, 0\n/);
  const json = jsonOf(runInProcess('stack', '-i', '8', '--rank', '1', '--stack', 'convT k5 s3, conv k1 s3', '--skip', 'identity', '--json'));
  const last = json.steps[1].alignment[0];
  assert.deepEqual({ dependsOnWeights: last.dependsOnWeights, constant: last.constantWeights.centres, nominal: last.nominal.start }, { dependsOnWeights: true, constant: [-0.5], nominal: -2 / 3 });
  assert.equal(json.skip.compared, 'nominal');
  assert.deepEqual(json.skip.constantWeights.offset, [0.5]);
});

test('tconv render artifact and animation: the uneven stack\'s artifact image is far less flat; one scatter step per input cell', () => {
  const spread = (layers: string): number =>
    jsonOf(runInProcess('render', 'artifact', '-i', '8', '-c', '16', '--stack', layers, '--json')).data.interiorSpread;
  const uneven = spread('convT k3 s2 p1 op1 x3');
  const even = spread('convT k4 s2 p1 x3');
  assert.ok(uneven > 5 * even, `k3 s2: ${uneven}, k4 s2: ${even}`);
  const rough = (layers: string): number =>
    jsonOf(runInProcess('render', 'artifact', '-i', '8', '-c', '16', '--smooth', '--stack', layers, '--json')).data.roughness;
  // On a smooth input, resize-conv stays smooth; the uneven transposed stack is the roughest.
  assert.ok(rough('nearest 2, conv k3 p1, nearest 2, conv k3 p1') < 0.05 && rough('convT k3 s2 p1 op1 x2') > 0.5);
  const file = join(dir, 'sweep.svg');
  assert.equal(runInProcess('render', 'animation', '-i', '3', '-k', '3', '-s', '2', '--out', file).status, 0);
  assert.equal((readFileSync(file, 'utf8').match(/class="scatter"/g) ?? []).length, 9);
});

test('tconv alternatives: exact sub-pixel form, resize-conv, ICNR verdict, and the score of given weights', async () => {
  const { writeFileSync } = await import('node:fs');
  const { writeNpy } = await import('../../src/onnx/npy.ts');
  const json = jsonOf(runInProcess('alternatives', '-i', '32', '-k', '7', '-s', '2', '-p', '3', '--json'));
  assert.deepEqual(json.phases.map((p: { subKernel: number[] }) => p.subKernel), [[3, 3], [3, 4], [4, 3], [4, 4]]);
  assert.ok(json.subPixel.maxAbsError < 1e-5);
  assert.deepEqual(json.resizeConv.output, [63, 63]);
  assert.match(json.icnr, /not a multiple of its stride/);
  const file = join(dir, 'w.npy');
  writeFileSync(file, writeNpy({ shape: [1, 1, 3], data: Float32Array.of(0.5, 1, 0.5) }));
  const scored = jsonOf(runInProcess('alternatives', '-i', '8', '-k', '3', '-s', '2', '-p', '1', '--rank', '1', '--weight', file, '--json'));
  assert.equal(scored.weightScore.score, 0); // [½, 1, ½]: both phases sum to 1, the weights compensate the geometry
});

test('done when: tconv render shows the seed\'s k3 s1 and k5 s1 layers even and k7 s2 uneven with 4- and 3-tap phases, 16:12:9', () => {
  const show = (k: string, s: string, p: string) => runInProcess('render', 'heatmap', '-i', '32', '-k', k, '-s', s, '-p', p).stdout;
  assert.match(show('3', '1', '1'), /interior overlap even \(9 everywhere\): no checkerboard/);
  assert.match(show('5', '1', '2'), /interior overlap even \(25 everywhere\): no checkerboard/);
  const k7 = show('7', '2', '3');
  assert.match(k7, /taps 1,3,5 \(3\) · o ≡ 1 \(mod 2\) taps 0,2,4,6 \(4\)/);
  assert.match(k7, /interior overlap 16:12:9 .*: checkerboard/);
});

test('huge inputs: taps and arithmetic still answer, position-by-position analyses refuse by name, pictures draw a corner', () => {
  const taps = runCli('render', 'taps', '--input', '99999999', '--kernel', '7', '--stride', '2', '--padding', '3');
  assert.equal(taps.status, 0, taps.stderr);
  assert.match(taps.stdout, /^phases, axis 0: o ≡ 0 \(mod 2\) taps 1,3,5 \(3\) · o ≡ 1 \(mod 2\) taps 0,2,4,6 \(4\)$/m);
  const heatmap = runCli('render', 'heatmap', '--input', '99999999', '--kernel', '4', '--stride', '2', '--padding', '1');
  assert.equal(heatmap.status, 2);
  assert.match(heatmap.stderr, /^tconv: input \(99999999\) makes axis 0 of layer 1 too long to analyse position by position \(99999999 → 199999998 positions, ~399999996 \(output, input\) pairs; the limit is 4194304\); analyse a smaller input \(or fewer layers\): the interior pattern repeats, so a small input shows the same overlap\n$/);
  const picture = runCli('explain', '--input', '100000', '--kernel', '4', '--stride', '2', '--padding', '1', '--picture');
  assert.equal(picture.status, 0, picture.stderr);
  assert.match(picture.stdout, /overlap map, top-left 8×16 of 200000×200000 \(darker = more\):/);
});

test('tconv explain: the nominal centre, and where constant weights (or any weights, for one tap per phase) put the outputs', () => {
  const k4 = runInProcess('explain', '-i', '8', '--rank', '1', '-k', '4', '-s', '2', '-p', '1');
  assert.equal(k4.status, 0, k4.stderr);
  assert.match(k4.stdout, /output 0 is centred on input -1\/4 on the nominal grid; with constant weights outputs 0–1 sit at -1\/2, 1\/2 \(each phase's weights decide\)\./);
  const k2 = runInProcess('explain', '-i', '8', '--rank', '1', '-k', '2', '-s', '2');
  assert.match(k2.stdout, /output 0 is centred on input -1\/4 on the nominal grid, but outputs 0–1 really sit at 0, 0, whatever the weights \(one input each\)\./);
  // Both phases of k7 s2 p3 are centred on the grid: the sentence is unchanged.
  assert.match(runInProcess('explain', '-i', '32', '-k', '7', '-s', '2', '-p', '3').stdout, /output 0 is centred on input 0\.\n/);
});
