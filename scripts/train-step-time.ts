/**
 * Milliseconds per step of the checkerboard demo's trainer (default settings, one variant at a time) on native and
 * wasm, for the checkout given (default this one), as JSON lines: the median over `rounds` × `steps` single steps
 * after warm-up (robust to another process's burst on a shared machine), the process's CPU time per step (all
 * threads), and the garbage collections (count and ms) per 100 steps. Compare two checkouts by running this
 * alternately for each, in separate processes (one process's garbage must not be collected in the other's timing):
 *   node --conditions=tconv-source --import tsx scripts/train-step-time.ts [CHECKOUT] [rounds] [steps]
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import type * as Demo from '../src/train/checkerboard-demo.ts';

const checkout = resolve(process.argv[2] ?? '.');
const rounds = Number(process.argv[3] ?? 5);
const steps = Number(process.argv[4] ?? 20);
const demo = (await import(pathToFileURL(join(checkout, 'src/train/checkerboard-demo.ts')).href)) as typeof Demo;

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const gc = { count: 0, ms: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count++;
    gc.ms += e.duration;
  }
}).observe({ entryTypes: ['gc'] });
/** Lets the observer's callback run, so the collections of a phase are counted in it. */
const settle = () => new Promise((done) => setImmediate(done));

for (const backend of ['native', 'wasm'] as const) {
  for (const variant of demo.VARIANTS) {
    const trainer = demo.createCheckerboardTrainer({ variants: [variant], backend, seed: 1 });
    for (let i = 0; i < 5; i++) trainer.step();
    await settle();
    const gcBefore = { ...gc };
    const cpu = process.cpuUsage();
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < steps; i++) {
        const start = performance.now();
        trainer.step();
        times.push(performance.now() - start);
      }
    }
    const cpuUsed = process.cpuUsage(cpu);
    await settle();
    const per100 = 100 / (rounds * steps);
    console.log(JSON.stringify({ backend, variant, ms: median(times), cpuMs: (cpuUsed.user + cpuUsed.system) / 1000 / (rounds * steps), gcPer100: (gc.count - gcBefore.count) * per100, gcMsPer100: (gc.ms - gcBefore.ms) * per100 }));
  }
}
