/**
 * The seed article's three PyTorch snippets, translated line for line to tconv and run on its engine.
 * The article claims outputs of 34, 36 and 66; the engine (and PyTorch) give 32, 32 and 63. This walkthrough
 * prints both, says why, and gives each layer's checkerboard verdict from its phases.
 *
 * Run: npm start   (or: node --conditions=tconv-source --import tsx examples/seed-article.ts)
 */
import { checkerboard } from '../src/analysis/checkerboard.ts';
import { explainLayer } from '../src/analysis/explain.ts';
import { layerOverlap } from '../src/analysis/overlap.ts';
import { ConvTranspose2d, getBackend, randomTensor } from '../src/engine/index.ts';
import { fullTransposedSize } from '../src/shape/formulas.ts';

// x = torch.randn(1, 3, 32, 32)
const x = randomTensor([1, 3, 32, 32], 0, { distribution: 'normal' });

// conv_t1 = nn.ConvTranspose2d(3, 3, 3, stride=1, padding=1)
const convT1 = new ConvTranspose2d(3, 3, 3, { stride: 1, padding: 1 });
// y1 = conv_t1(x)
const y1 = convT1.forward(x);

// conv_t2 = nn.ConvTranspose2d(3, 3, 5, stride=1, padding=2)
const convT2 = new ConvTranspose2d(3, 3, 5, { stride: 1, padding: 2 });
// y2 = conv_t2(x)
const y2 = convT2.forward(x);

// conv_t3 = nn.ConvTranspose2d(3, 3, 7, stride=2, padding=3)
const convT3 = new ConvTranspose2d(3, 3, 7, { stride: 2, padding: 3 });
// y3 = conv_t3(x)
const y3 = convT3.forward(x);

// ——— What the article said, what the engine computed, and why ———

const runs = [
  { torch: 'nn.ConvTranspose2d(3, 3, 3, stride=1, padding=1)', layer: convT1, y: y1, articleSays: 34 },
  { torch: 'nn.ConvTranspose2d(3, 3, 5, stride=1, padding=2)', layer: convT2, y: y2, articleSays: 36 },
  { torch: 'nn.ConvTranspose2d(3, 3, 7, stride=2, padding=3)', layer: convT3, y: y3, articleSays: 66 },
];

const lines: string[] = [
  `x = torch.randn(1, 3, 32, 32)  →  x.shape = [${x.shape.join(', ')}]   (engine backend: ${getBackend('auto').name})`,
  '',
];
for (const [i, { torch, layer, y, articleSays }] of runs.entries()) {
  const plan = layer.plan(x.shape);
  const [k, s, p] = [layer.kernelSize[0]!, layer.stride[0]!, layer.padding[0]!];
  const full = fullTransposedSize(32, k, s, layer.dilation[0]!);
  const out = y.shape[2]!;
  const verdict = checkerboard(plan);
  const taps = verdict.axes[0]!.tapsPerPhase;
  const overlap = layerOverlap(plan);
  lines.push(
    `${i + 1}. ${torch}`,
    `   y${i + 1}.shape = [${y.shape.join(', ')}]: ${out}×${out}, the article says ${articleSays}×${articleSays}.`,
    `   Why: (32 − 1)·${s} + ${k} = ${full} is the full output; padding ${p} crops ${p} at each end: ${full} − ${2 * p} = ${out}.`
      + (articleSays === full ? ` The article's ${articleSays} forgets that crop.` : ` ${articleSays} is neither that full output nor 32·${s} = ${32 * s}.`),
    verdict.verdict === 'even'
      ? `   Checkerboard: no (${s === 1 ? 'stride 1: one phase' : `every phase gets ${taps[0]} taps`}; ${taps[0]} taps per axis, overlap ${overlap.values[0]} everywhere inside).`
      : `   Checkerboard: YES (kernel ${k} is not divisible by stride ${s}: phases get ${[...taps].sort((a, b) => b - a).join(' and ')} taps per axis; interior overlap ${overlap.values.join(':')}, max/min ${overlap.ratio.toFixed(2)}).`,
    '',
  );
}
// The nearest artifact-free layers giving 64×64 (the size the third snippet was probably after), from the planner.
const fix = explainLayer({ kind: 'convTranspose', input: 32, kernel: 7, stride: 2, padding: 3 }).alternatives
  .find((set) => set.purpose === 'input·stride')!.perAxis[0]!
  .map((x) => `k${x.kernel} s${x.stride} p${x.padding}`);
lines.push(
  'In a transposed convolution, padding removes cells from the output (it is the padding of the convolution it',
  'transposes): out = (in − 1)·stride − 2·padding + dilation·(kernel − 1) + outputPadding + 1.',
  `For 64×64 without a checkerboard, take a kernel divisible by the stride: ${fix.join(', ')}.`,
  'More: npx tconv explain --input 32 --kernel 7 --stride 2 --padding 3',
);
console.log(lines.join('\n'));
