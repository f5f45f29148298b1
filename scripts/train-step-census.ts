/**
 * Typed arrays made by one training step of the checkerboard demo's decoders after warm-up, per backend and variant,
 * attributed to the src/train function that made them (directly or through the engine). Run:
 *   node --conditions=tconv-source --import tsx scripts/train-step-census.ts [steps]
 */
import { createCheckerboardTrainer, VARIANTS } from '../src/train/checkerboard-demo.ts';
import { countTypedArrays, describeCensus } from '../test/helpers/typed-array-census.ts';

const steps = Number(process.argv[2] ?? 3);

/** The innermost src/train frame of the current stack, as file:function (the layer kind that allocated). */
function trainFrame(): string {
  const lines = new Error().stack?.split('\n') ?? [];
  for (const line of lines) {
    const m = /at (?:(\S+) \()?.*src\/(train|engine|tensor|onnx)\/([\w/.-]+\.ts)/.exec(line);
    if (m && m[2] === 'train') return `${m[3]}:${m[1] ?? '?'}`;
  }
  return 'elsewhere';
}

for (const backend of ['reference', 'wasm', 'native'] as const) {
  for (const variant of VARIANTS) {
    const trainer = createCheckerboardTrainer({ variants: [variant], backend, seed: 1 });
    trainer.step();
    trainer.step();
    const census = countTypedArrays(() => {
      for (let i = 0; i < steps; i++) trainer.step();
    }, trainFrame);
    console.log(`${backend} ${variant}: per step ${census.allocations / steps} allocations, ${census.bytes / steps} B, ${census.views / steps} views`);
    console.log(describeCensus(census).split('\n').map((l) => `    ${l}`).join('\n'));
  }
}
