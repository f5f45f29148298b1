/**
 * Bundled into a page by scripts/explorer-train.ts (Vite, library mode): the bench's "demo-step" in the
 * browser — one Adam step (forward, MSE, backward, update, 8 images) of the checkerboard demo's convT-k4 decoder,
 * 3 stages of 8 channels, on the wasm backend — built as bench/backward.ts builds it, timed call by call.
 */
import { initWasm } from '../src/engine/backends/wasm/runtime.ts';
import { getBackend } from '../src/engine/select.ts';
import { randomTensor } from '../src/tensor/random.ts';
import { tensor } from '../src/tensor/tensor.ts';
import { demoDecoder } from '../src/train/checkerboard-demo.ts';
import { mseLoss } from '../src/train/loss.ts';
import { adam, parameter } from '../src/train/optimizers.ts';

export async function timeDemoSteps(steps: number): Promise<{ backend: string; ms: number[] }> {
  await initWasm();
  const backend = getBackend('wasm').name;
  const images = 8;
  const net = demoDecoder('convT-k4', { channels: 8, stages: 3, seed: 1, backend: 'wasm' });
  const latent = parameter('latent', randomTensor([images, 8, 4, 4], 2, { distribution: 'normal' }));
  const target = tensor([images, 1, 32, 32], randomTensor([images * 32 * 32], 3, { low: 0, high: 1 }).data);
  const optimizer = adam([...net.parameters(), latent], { lr: 0.01 });
  const lossGradient = tensor(target.shape); // kept, as the demo keeps it: a step allocates nothing after the first
  const ms: number[] = [];
  for (let i = 0; i < steps; i++) {
    const started = performance.now();
    optimizer.zeroGrad();
    const { gradient } = mseLoss(net.forward(latent.value), target, lossGradient);
    latent.grad.set(net.backward(gradient).data);
    optimizer.step();
    ms.push(performance.now() - started);
  }
  return { backend, ms };
}
