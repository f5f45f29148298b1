// Long fuzz run of the ONNX reader, lint and executor: `node --conditions=tconv-source --import tsx scripts/fuzz-onnx.ts [iterations] [seed] [minutes]`.
// Samples: the shared ONNX models, the PyTorch fixtures and an exported stack. Failing inputs (an exception that is
// not a TconvError) are written to .fuzz/ for replay with `tconv run`/`tconv lint`; exit status 1 if any.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportStack } from '../src/onnx/export.ts';
import { amplificationSamples, fuzz, fuzzTensorProto } from '../test/onnx/fuzz-harness.ts';

const root = join(import.meta.dirname, '..');
const iterations = Number(process.argv[2] ?? 20_000);
const seed = Number(process.argv[3] ?? Date.now() % 1_000_000);
const minutes = Number(process.argv[4] ?? 10);

const dirs = [
  ...readdirSync(join(root, '../shared/conformance/onnx-models')).map((d) => join(root, '../shared/conformance/onnx-models', d)),
  join(root, 'test/fixtures/onnx/dcgan'), join(root, 'test/fixtures/onnx/upsample-head'), join(root, 'test/fixtures/onnx/unet'),
];
const samples = dirs.map((d) => readFileSync(join(d, 'model.onnx')));
const stack = JSON.parse(readFileSync(join(root, 'test/fixtures/onnx/stacks/decoder.json'), 'utf8'));
samples.push(Buffer.from(exportStack(stack).bytes));
// Seeds that amplify a few bytes into much work or memory (issue 15): their mutations must stay bounded too.
samples.push(...amplificationSamples().map((b) => Buffer.from(b)));
const tensors = dirs.map((d) => readFileSync(join(d, 'test_data_set_0/input_0.pb')));

process.stdout.write(`fuzzing ${samples.length} models, ${iterations} cases, seed ${seed}, at most ${minutes} min\n`);
const result = fuzz({ samples, iterations, timeLimitMs: minutes * 60_000, seed });
const tensorFailures = fuzzTensorProto(tensors, Math.min(iterations, 5000), seed);
process.stdout.write(`${result.cases} cases: ${result.outcomes.ran} ran, ${result.outcomes.rejected} rejected with a TconvError; slowest ${result.slowestMs.toFixed(0)} ms\n`);
const failures = [...result.failures, ...tensorFailures];
if (failures.length > 0) {
  mkdirSync(join(root, '.fuzz'), { recursive: true });
  for (const f of failures.slice(0, 20)) {
    const file = join(root, '.fuzz', `case-${seed}-${f.iteration}.onnx`);
    writeFileSync(file, f.bytes);
    process.stdout.write(`FAIL ${file}: ${(f.error as Error)?.stack ?? String(f.error)}\n`);
  }
  process.exit(1);
}
process.stdout.write('no failures\n');
