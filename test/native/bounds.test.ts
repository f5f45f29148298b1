/**
 * The addon checks every buffer against the plan before touching memory: wrong lengths, types, aliasing, a header
 * that does not match its handle or that lies about its phases all throw a JavaScript error, and a header whose
 * input offsets point far outside the input still never reads or writes outside the buffers (the sanitizer script,
 * scripts/native-sanitize.sh, runs these tests under AddressSanitizer).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAddon, type NativeAddon } from '../../src/engine/backends/native/addon.ts';
import { nativeHeader } from '../../src/engine/backends/native/header.ts';
import { planLayer } from '../../src/shape/plan.ts';
import { skipReason } from './native-support.ts';

const addon = (): NativeAddon => loadAddon().addon!;
const plan = planLayer({ kind: 'convTranspose', input: [4, 5], kernel: 3, stride: 2, padding: 1, inChannels: 2, outChannels: 3, batch: 2 });
const inputLength = 2 * 2 * 4 * 5;
const outputLength = 2 * 3 * plan.axes[0]!.output * plan.axes[1]!.output;
const weightLength = 2 * 3 * 3 * 3;

function prepared() {
  const header = nativeHeader(plan);
  const handle = addon().prepare(header, new Float32Array(weightLength).fill(1), 'scalar');
  return { header, handle };
}

test('run() rejects buffers whose length does not match the plan', { skip: skipReason }, () => {
  const { header, handle } = prepared();
  const ok = { input: new Float32Array(inputLength), bias: new Float32Array(3), output: new Float32Array(outputLength) };
  assert.throws(() => addon().run(handle, header, new Float32Array(inputLength - 1), ok.bias, ok.output, 1), /input has 79 values but the plan needs 80/);
  assert.throws(() => addon().run(handle, header, ok.input, ok.bias, new Float32Array(outputLength + 1), 1), /output has \d+ values but the plan needs \d+/);
  assert.throws(() => addon().run(handle, header, ok.input, new Float32Array(2), ok.output, 1), /bias has 2 values but the plan needs 3/);
  assert.throws(() => addon().run(handle, header, ok.input, null, ok.output, 1), /bias must be a Float32Array/);
  assert.throws(() => addon().prepare(header, new Float32Array(weightLength + 3), 'scalar'), /weight has 57 values but the plan needs 54/);
  addon().run(handle, header, ok.input, ok.bias, ok.output, 1);
});

test('run() rejects wrong types, aliasing, a foreign handle, a mismatched header and bad thread counts', { skip: skipReason }, () => {
  const { header, handle } = prepared();
  const input = new Float32Array(inputLength);
  const bias = new Float32Array(3);
  const output = new Float32Array(outputLength);
  assert.throws(() => addon().run(handle, header, new Float64Array(inputLength) as unknown as Float32Array, bias, output, 1), /input must be a Float32Array/);
  assert.throws(() => addon().run(handle, Uint32Array.from(header) as unknown as Int32Array, input, bias, output, 1), /plan header\) must be an Int32Array/);
  assert.throws(() => addon().run({} as never, header, input, bias, output, 1), /must be a handle returned by prepare/);
  const shared = new Float32Array(inputLength + outputLength);
  assert.throws(() => addon().run(handle, header, shared.subarray(0, inputLength), bias, shared.subarray(inputLength - 1, inputLength - 1 + outputLength), 1), /input and output share memory/);
  const other = nativeHeader(planLayer({ kind: 'convTranspose', input: [4, 5], kernel: 3, stride: 2, inChannels: 2, outChannels: 3, batch: 2 }));
  assert.throws(() => addon().run(handle, other, input, bias, new Float32Array(outputLength), 1), /does not match the prepared handle/);
  assert.throws(() => addon().run(handle, header, input, bias, output, 0), /threads = 0 must be between 1 and 256/);
  assert.throws(() => addon().run(handle, header, input, bias, output, 1, 6, 0), /activation = 6 must be 0 \(none\), 1 \(relu\), 2 \(leaky relu\), 3 \(tanh\), 4 \(sigmoid\) or 5 \(silu\)/);
  assert.throws(() => addon().run(handle, header, input, bias, output, 1, 2, '0.2' as unknown as number), /activation and alpha must be numbers/);
  assert.throws(() => addon().run(handle, header, input, bias, output, 1, 2), /takes 6 or 8 arguments/);
  assert.throws(() => addon().prepare(header, new Float32Array(weightLength), 'sse9'), /kernel set "sse9" is not available/);
});

test('prepare() rejects a header that is truncated, has the wrong magic or phases that miss or repeat outputs', { skip: skipReason }, () => {
  const weight = new Float32Array(weightLength);
  const header = nativeHeader(plan);
  const tamper = (edit: (h: Int32Array) => unknown): Int32Array => {
    const copy = Int32Array.from(header);
    const edited = edit(copy);
    return edited instanceof Int32Array ? edited : copy;
  };
  assert.throws(() => addon().prepare(header.subarray(0, 10), weight, 'scalar'), /header length = 10 is shorter than the fixed part/);
  assert.throws(() => addon().prepare(tamper((h) => { h[0] = 1; }), weight, 'scalar'), /magic/);
  assert.throws(() => addon().prepare(tamper((h) => h.subarray(0, h.length - 1)), weight, 'scalar'), /length word/);
  // The width axis's phase table: make its first phase start one output later (a repeat or a gap).
  const widthTable = phaseTableStart(header, 2);
  assert.throws(() => addon().prepare(tamper((h) => { h[widthTable + 1] = 1; }), weight, 'scalar'), /is produced by two phases|lies outside the output/);
  // A tap index outside the kernel.
  assert.throws(() => addon().prepare(tamper((h) => { h[widthTable + 6] = 3; }), weight, 'scalar'), /tap = 3 lies outside the kernel/);
  // Batch so large that the tensors overflow int32 indexing.
  assert.throws(() => addon().prepare(tamper((h) => { h[3] = 2 ** 30; }), weight, 'scalar'), /larger than 2\^31 - 1 elements|weight has/);
});

test('input offsets that point far outside the input read nothing outside it (out-of-range taps are zeros)', { skip: skipReason }, () => {
  const header = Int32Array.from(nativeHeader(plan));
  const widthTable = phaseTableStart(header, 2);
  // Every tap offset of the width axis's phases: + 1e6 and − 1e6.
  for (const shift of [1_000_000, -1_000_000]) {
    const h = Int32Array.from(header);
    let at = widthTable + 1;
    for (let p = 0; p < h[widthTable]!; p++) {
      const taps = h[at + 4]!;
      for (let t = 0; t < taps; t++) h[at + 5 + 2 * t + 1]! += shift;
      at += 5 + 2 * taps;
    }
    const handle = addon().prepare(h, new Float32Array(weightLength).fill(1), 'scalar');
    const bias = Float32Array.from([1, 2, 3]);
    const output = new Float32Array(outputLength).fill(Number.NaN);
    addon().run(handle, h, new Float32Array(inputLength).fill(5), bias, output, 2);
    // Nothing reachable: every output is its bias.
    const perChannel = outputLength / 6;
    for (const [i, v] of output.entries()) assert.equal(v, bias[Math.floor(i / perChannel) % 3], `element ${i}`);
  }
});

/** Index of the phase-count word of axis `axis` (0 = D, 1 = H, 2 = W) in a header. */
function phaseTableStart(header: Int32Array, axis: number): number {
  let at = 20;
  for (let a = 0; a < axis; a++) {
    const phases = header[at]!;
    at++;
    for (let p = 0; p < phases; p++) at += 5 + 2 * header[at + 4]!;
  }
  return at;
}

test('the addon is the sanitizer build exactly when scripts/native-sanitize.sh runs the tests', { skip: skipReason }, () => {
  assert.equal(addon().capabilities().sanitized, process.env.TCONV_NATIVE_EXPECT_SANITIZED === '1');
});
