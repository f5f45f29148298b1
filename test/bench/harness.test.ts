// The bench harness's pure pieces: argument parsing, statistics, ratios and tables, the correctness gate and the
// layout conversions for tfjs. Nothing here times anything or loads a peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, parseBenchArgs } from '../../bench/args.ts';
import { checkOutput, relativeL2Error } from '../../bench/gate.ts';
import { fromChannelsLast, tfjsFilter, toChannelsLast } from '../../bench/layout.ts';
import { type Cell, matrix, peakFractionRows, resultTable, summarizeRatios, threadScaling, toRecord, versusPeer, withRatios } from '../../bench/report.ts';
import { geometricMean, median, summarize } from '../../bench/stats.ts';
import { planLayer } from '../../src/shape/index.ts';

test('arguments: defaults, lists and every usage error', () => {
  const defaults = parseBenchArgs([]);
  assert.deepEqual(defaults.threads, [1, 2]);
  assert.equal(defaults.libraries.length, 7);
  assert.equal(defaults.cases, null);
  assert.equal(defaults.minTimeMs, 1000);
  assert.match(defaults.suite, /shared\/bench\/suite\.json$/);

  const chosen = parseBenchArgs(['--threads', '2,1,2', '--only', 'wasm, ort-web', '--cases', 'dcgan-1', '--min-time', '0.5', '--rounds', '3']);
  assert.deepEqual(chosen.threads, [2, 1]);
  assert.deepEqual(chosen.libraries, ['wasm', 'ort-web']);
  assert.deepEqual(chosen.cases, ['dcgan-1']);
  assert.equal(chosen.minTimeMs, 500);
  assert.equal(chosen.rounds, 3);
  assert.equal(chosen.backward, false);
  assert.equal(parseBenchArgs(['--backward', '--cases', 'dcgan-5']).backward, true);

  const usage = (args: string[], message: RegExp) => assert.throws(() => parseBenchArgs(args), (e) => e instanceof UsageError && message.test(e.message));
  usage(['--only', 'pytorch'], /--only got unknown library "pytorch"; choose from reference, wasm, native/);
  usage(['--only', ','], /--only needs at least one library name/);
  usage(['--threads', '0'], /--threads must be a positive integer, got "0"/);
  usage(['--threads', '1.5'], /--threads must be a positive integer, got "1.5"/);
  usage(['--threads', ''], /--threads needs at least one thread count/);
  usage(['--min-time', 'fast'], /--min-time must be a positive number, got "fast"/);
  usage(['--rounds', '2.5'], /--rounds must be a positive integer/);
  usage(['--cases', ''], /--cases needs at least one case id/);
  usage(['--frobnicate'], /Unknown option '--frobnicate'.*\(see --help\)/);
});

test('statistics: median, geometric mean, summary', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /median of no values/);
  assert.ok(Math.abs(geometricMean([2, 0.5]) - 1) < 1e-12);
  assert.ok(Math.abs(geometricMean([1, 4, 16]) - 4) < 1e-12);
  assert.throws(() => geometricMean([1, 0]), /positive values/);
  assert.deepEqual(summarize([5, 1, 3, 2]), { medianMs: 2.5, minMs: 1, samples: 4 });
});

test('the correctness gate rejects a wrong output and accepts float32 rounding', () => {
  const expected = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i));
  const rounded = expected.map((v) => v * (1 + 1e-7));
  assert.equal(checkOutput(rounded, expected).ok, true);
  const wrong = expected.slice();
  wrong[7] = wrong[7]! + 0.5;
  const verdict = checkOutput(wrong, expected);
  assert.equal(verdict.ok, false);
  assert.ok(!verdict.ok && verdict.relErr !== null && verdict.relErr > 1e-5 && /exceeds 1e-5/.test(verdict.reason));
  assert.deepEqual(checkOutput(expected.subarray(1), expected), { ok: false, relErr: null, reason: 'output has 99 values, the reference 100' });
  const nan = expected.slice();
  nan[0] = Number.NaN;
  assert.deepEqual(checkOutput(nan, expected), { ok: false, relErr: Number.NaN, reason: 'output contains NaN or Infinity' });
  assert.equal(relativeL2Error(Float32Array.of(0, 0), Float32Array.of(0, 0)), 0);
});

const result = (medianMs: number | null, status: 'ok' | 'wrong' | 'n/a' = 'ok') => ({
  status, medianMs, minMs: medianMs === null ? null : medianMs * 0.9, samples: medianMs === null ? 0 : 10,
  relErr: status === 'wrong' ? 0.5 : 1e-7, peakRssMiB: 100, ...(status === 'ok' ? {} : { reason: 'because' }),
});
const cell = (id: string, library: string, threads: number, results: ReturnType<typeof result>[]): Cell =>
  ({ case: id, library, threads, flops: 2e9, results });

test('records: rounds merge by median, GFLOP/s from the plan FLOPs, ratios to the best peer, geometric means', () => {
  const merged = toRecord(cell('a', 'wasm', 1, [result(4), result(2), result(3)]));
  assert.equal(merged.medianMs, 3);
  assert.equal(merged.minMs, 1.8);
  assert.equal(merged.gflops, 2e9 / 3e6);
  assert.equal(merged.rounds, 3);
  assert.equal(toRecord(cell('a', 'wasm', 1, [result(4), result(null, 'wrong')])).status, 'wrong');

  const peers = new Set(['ort-web', 'ort-node', 'tfjs-wasm']);
  const records = withRatios([
    toRecord(cell('a', 'wasm', 1, [result(2)])), toRecord(cell('a', 'ort-web', 1, [result(4)])),
    toRecord(cell('a', 'ort-node', 1, [result(1)])), toRecord(cell('a', 'tfjs-wasm', 1, [result(null, 'wrong')])),
    toRecord(cell('b', 'wasm', 1, [result(1)])), toRecord(cell('b', 'ort-web', 1, [result(2)])),
    toRecord(cell('a', 'wasm', 2, [result(1)])),
  ], peers);
  const ratio = (id: string, library: string, threads = 1) => records.find((r) => r.case === id && r.library === library && r.threads === threads)!.ratio;
  assert.equal(ratio('a', 'wasm'), 0.5); // the best peer (ort-node, 1 ms) over wasm's 2 ms; a wrong peer never counts
  assert.equal(ratio('a', 'ort-web'), 0.25);
  assert.equal(ratio('a', 'tfjs-wasm'), null);
  assert.equal(ratio('b', 'wasm'), 2);
  assert.equal(ratio('a', 'wasm', 2), null); // no peer ran at 2 threads

  const wasm = summarizeRatios(records).find((s) => s.library === 'wasm' && s.threads === 1)!;
  assert.equal(wasm.cases, 2);
  assert.ok(Math.abs(wasm.geomean! - 1) < 1e-12);
  assert.equal(wasm.worst, 0.5);
  const versus = versusPeer(records, 'wasm', 'ort-web', 1);
  assert.equal(versus.cases, 2);
  assert.ok(Math.abs(versus.geomean! - 2) < 1e-12);
  assert.deepEqual(threadScaling(records, 'wasm', 2), { library: 'wasm vs itself at t1', threads: 2, cases: 1, geomean: 2, worst: 2 });

  const table = resultTable(records);
  assert.match(table, /tfjs-wasm\s+1\s+2\.00\s+–\s+–\s+–\s+–\s+5\.0e-1\s+wrong \(relErr 5\.0e-1\) \[1\]/);
  assert.match(table, /\[1\] tfjs-wasm: because/);
  const gflops = matrix(records, 'gflops', true);
  assert.match(gflops, /^\| case \| GFLOP \| wasm t1 \| ort-web t1 \| ort-node t1 \| tfjs-wasm t1 \| wasm t2 \|/);
  assert.match(gflops, /\| a \| 2\.00 \| 1000 \| 500 \| 2000 \| wrong \| 2000 \|/);
  assert.match(matrix(records, 'medianMs', false), /^a\s+2\.00\s+2\.00\s+4\.00\s+1\.00\s+wrong\s+1\.00$/m);
  // One-thread cells of the named library only, as a percentage of the measured peak.
  assert.deepEqual(peakFractionRows(records, 'wasm', 4000), [['a', '1000', '25%'], ['b', '2000', '50%']]);
  assert.deepEqual(peakFractionRows(records, 'tfjs-wasm', 4000), []);
});

test('layouts: channels-last round trip and tfjs filters with emulated dilation', () => {
  const shape = [2, 3, 2, 2];
  const data = Float32Array.from({ length: 24 }, (_, i) => i);
  const last = toChannelsLast(data, shape);
  assert.deepEqual([...last.subarray(0, 6)], [0, 4, 8, 1, 5, 9]);
  assert.deepEqual(fromChannelsLast(last, shape), data);

  const plan = planLayer({ kind: 'convTranspose', input: [4], kernel: [2], dilation: [2], inChannels: 1, outChannels: 2 });
  const filter = tfjsFilter(Float32Array.of(1, 2, 3, 4), plan); // weight (Cin 1, Cout 2, k 2)
  assert.deepEqual(filter.shape, [3, 2, 1]);
  assert.deepEqual([...filter.data], [1, 3, 0, 0, 2, 4]);
});
