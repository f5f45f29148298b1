/**
 * Prepared weights on the wasm backend keep each problem's combo and task tables beside their packing (written once,
 * freed with it): calls that alternate handles of one shape, plain-weight calls (whose tables go to the scratch
 * block) and more input shapes than a packing keeps tables for give the bits of plain weights, and disposing the
 * handles gives their tables back to the heap.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { wasmTuning } from '../../src/engine/backends/wasm/index.ts';
import { getRuntime } from '../../src/engine/backends/wasm/runtime.ts';
import type { WasmLayout } from '../../src/engine/backends/wasm/problem.ts';
import { conv, convTranspose, prepareWeights } from '../../src/engine/index.ts';
import { threadChoiceTuning } from '../../src/engine/thread-choice.ts';
import { randomTensor } from '../../src/tensor/random.ts';

wasmTuning.minFlopsPerThread = 0;
threadChoiceTuning.mode = 'requested';
after(() => {
  wasmTuning.layout = undefined;
  getRuntime().pool?.close();
});

const LAYOUTS: readonly (WasmLayout | undefined)[] = [undefined, 'packed', 'batch-minor', 'direct', 'channel-vectors', 'winograd', 'dense'];

function assertSameBits(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, label);
  const at = actual.findIndex((v, i) => !Object.is(v, expected[i]));
  assert.equal(at, -1, `${label}: differs at ${at}: ${actual[at]} vs ${expected[at]}`);
}

test('prepared handles of one shape, alternating with each other and with plain weights, give the bits of plain weights', () => {
  const x = randomTensor([1, 8, 9, 10], 1);
  const ws = [randomTensor([8, 6, 3, 3], 2), randomTensor([8, 6, 3, 3], 3)];
  const bias = randomTensor([6], 4);
  for (const layout of LAYOUTS) {
    wasmTuning.layout = layout;
    for (const threads of [1, 2]) {
      const options = { stride: 2, padding: 1, backend: 'wasm' as const, threads };
      const plain = ws.map((w) => convTranspose(x, w, bias, options).data);
      const handles = ws.map((w) => prepareWeights(w));
      try {
        for (let round = 0; round < 3; round++) {
          for (const [i, h] of handles.entries()) {
            assertSameBits(convTranspose(x, h, bias, options).data, plain[i]!, `${layout ?? 'chosen'} layout, t${threads}, handle ${i}, round ${round}`);
          }
          // A plain call writes its tables into the scratch block between the prepared ones.
          assertSameBits(convTranspose(x, ws[1]!, null, options).data, convTranspose(x, ws[1]!, null, options).data, 'plain, no bias');
        }
      } finally {
        for (const h of handles) h.dispose();
      }
    }
  }
});

test('one handle called with more input shapes than its packing keeps tables for gives the bits of plain weights, and dispose frees the tables', () => {
  wasmTuning.layout = undefined;
  const w = randomTensor([6, 5, 3], 5);
  const inputs = Array.from({ length: 12 }, (_, i) => randomTensor([1, 5, 7 + 3 * i], 10 + i));
  const options = { padding: 1, backend: 'wasm' as const, threads: 1 };
  const plain = inputs.map((x) => conv(x, w, null, options).data);
  const heap = getRuntime().heap;
  const before = heap.usedBytes;
  const handle = prepareWeights(w);
  for (let round = 0; round < 2; round++) {
    for (const [i, x] of inputs.entries()) assertSameBits(conv(x, handle, null, options).data, plain[i]!, `shape ${i}, round ${round}`);
  }
  assert.ok(heap.usedBytes > before, 'the packing and its tables are held');
  handle.dispose();
  assert.equal(heap.usedBytes, before, 'dispose gives the packing and its tables back');
});

test('a prepared call between two plain calls of another layer leaves the plain layer\'s scratch tables valid or rewritten', () => {
  wasmTuning.layout = undefined;
  // The plain layer's tables (four phases, many tasks) are longer than the prepared one's, whose input then lands on them.
  const xPlain = randomTensor([2, 6, 23, 21], 21);
  const wPlain = randomTensor([6, 5, 4, 4], 22);
  const plainOptions = { stride: 2, padding: 1, backend: 'wasm' as const, threads: 2 };
  const xKept = randomTensor([1, 4, 4000], 23);
  const wKept = randomTensor([4, 4, 3], 24);
  const keptOptions = { padding: 1, backend: 'wasm' as const, threads: 1 };
  const expectedPlain = convTranspose(xPlain, wPlain, null, plainOptions).data;
  const expectedKept = conv(xKept, wKept, null, keptOptions).data;
  const handle = prepareWeights(wKept);
  try {
    for (let round = 0; round < 3; round++) {
      assertSameBits(convTranspose(xPlain, wPlain, null, plainOptions).data, expectedPlain, `plain, round ${round}`);
      assertSameBits(conv(xKept, handle, null, keptOptions).data, expectedKept, `prepared, round ${round}`);
    }
  } finally {
    handle.dispose();
  }
});
