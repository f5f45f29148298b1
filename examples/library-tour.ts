/**
 * A short tour of the tconv library (the README shows this file and its output).
 * Run: node --conditions=tconv-source --import tsx examples/library-tour.ts
 */
import { explainLayer } from 'tconv/analysis';
import { ConvTranspose2d, convTranspose, randomTensor } from 'tconv/engine';
import { planLayer, solve, translate } from 'tconv/shape';

// 1. Plan a layer: every size, the phases, FLOPs — before anything is allocated.
const plan = planLayer({ kind: 'convTranspose', input: [32, 32], inChannels: 3, outChannels: 3, kernel: 7, stride: 2, padding: 3 });
console.log('output shape:', plan.outputShape, ' taps per phase:', plan.phases[0]!.phases.map((p) => p.taps));

// 2. Explain it: checkerboard, overlap, receptive field, artifact-free neighbours.
const report = explainLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 });
console.log('checkerboard:', report.checkerboard, ' overlap', report.overlapLevels.join(':'), ' ratio', report.overlapRatio.toFixed(3));

// 3. Find the layers that map 32 → 64 without a checkerboard.
console.log('32 → 64, even:', solve({ from: 32, to: 64, evenOnly: true, maxDilation: 1 }).map((x) => `k${x.kernel} s${x.stride} p${x.padding}`).join(', '));

// 4. Run it: functional form, or a layer object written like torch.nn.
const x = randomTensor([1, 3, 32, 32], 0, { distribution: 'normal' });
const layer = new ConvTranspose2d(3, 3, 7, { stride: 2, padding: 3, seed: 1 });
const y = layer.forward(x);
const same = convTranspose(x, layer.weight, layer.bias, { kernel: 7, stride: 2, padding: 3 });
console.log('y:', y.shape, ' functional form agrees:', y.data.every((v, i) => v === same.data[i]));

// 5. Write the same layer in another framework (weight layout and any crop included).
const keras = translate({ convention: 'pytorch', layer: { input: [32, 32], inChannels: 3, outChannels: 3, kernel: 7, stride: 2, padding: 3 } }).keras;
console.log('Keras:', keras.code);
console.log('  its kernel from a PyTorch weight W:', keras.weightFromPytorch);
