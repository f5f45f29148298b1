/**
 * `npm run bench -- --backward`: times the backward of the suite's 2D/3D transposed layers — ∂X and ∂W apart — and
 * one training step of the checkerboard demo's decoder, for tconv and its peers in the same run, all at 1 thread:
 *   tconv native / wasm   ∂X (the engine's strided conv) and ∂W (native: the addon's GEMM kernel; wasm: the kernels'
 *                         ∂W kernel, src/train/weight-gradient-wasm.ts), each through a ConvBackward kept across
 *                         calls, as a training loop keeps one per layer
 *   native conv route     ∂W as it was before the addon's kernel: the swapped conv on the native engine (same run)
 *   tconv ts              ∂W on the reference backend (the float64 per-phase correlation in TypeScript)
 *   pytorch               aten::convolution_backward with one output mask (what autograd calls), /usr/bin/python3 child
 *   pytorch conv          PyTorch's fastest formulation here (F.convNd through MKL-DNN; see bench/torch-backward.py)
 *   tfjs-cpu / tfjs-wasm  the kernels conv2dTranspose's registered gradient calls: conv2d (∂X), Conv2DBackpropFilter (∂W)
 * Every result is checked against the reference (float64) gradients before it is timed. tfjs has no gradient for
 * conv3dTranspose (tfjs#6323) and no dilation or groups in conv2dTranspose: those cells are n/a with the reason.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type * as Tf from '@tensorflow/tfjs-core';
import { type BackendName, randomTensor, relativeL2Error, tensor, type Tensor } from '../src/engine/index.ts';
import type { Plan } from '../src/shape/plan.ts';
import { demoDecoder } from '../src/train/checkerboard-demo.ts';
import { inputGradient, weightGradient } from '../src/train/conv-backward.ts';
import { ConvBackward } from '../src/train/conv-backward-layer.ts';
import { swappedConv, swappedConvWeightGradient } from '../src/train/weight-gradient-conv.ts';
import { mseLoss } from '../src/train/loss.ts';
import { adam, parameter } from '../src/train/optimizers.ts';
import type { BenchOptions } from './args.ts';
import { fromChannelsLast, tfjsFilter, toChannelsLast } from './layout.ts';
import { markdownTable, renderTable } from './report.ts';
import { median } from './stats.ts';
import { type SuiteCase, casePlan, caseLayer, loadSuite } from './suite.ts';
import { timeCalls } from './timing.ts';

const TOLERANCE = 1e-4;
const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = fileURLToPath(new URL('./torch-backward.py', import.meta.url));
/**
 * tfjs-cpu's gradient kernels are scalar loops (measured: 0.65 s for ∂X and 25.7 s for ∂W per call at 0.1 GFLOP,
 * dcgan-5): timed only up to these sizes so the whole run stays within minutes.
 */
const TFJS_CPU_MAX_FLOPS = { dX: 0.2e9, dW: 0.12e9 } as const;
/** The demo decoder timed for one training step: the checkerboard demo's defaults, convT-k4 variant. */
const STEP = { channels: 8, stages: 3, images: 8 } as const;

interface Row {
  readonly case: string;
  readonly what: 'dX' | 'dW' | 'step';
  readonly library: string;
  readonly ms: number | null;
  readonly relErr: number | null;
  readonly note?: string;
}

/** The PyTorch child: one JSON request per line, one answer per line. */
class TorchChild {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  version = '';

  constructor() {
    this.child = spawn(PYTHON, [TORCH_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async ready(): Promise<boolean> {
    const first = await this.next();
    this.version = first && typeof first.torch === 'string' ? first.torch : '';
    return this.version !== '';
  }

  async request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.child.stdin.write(`${JSON.stringify(body)}\n`);
    return (await this.next()) ?? { error: 'the PyTorch child stopped' };
  }

  private async next(): Promise<Record<string, unknown> | null> {
    const { value, done } = await this.lines.next().catch(() => ({ value: undefined, done: true }));
    return done || value === undefined ? null : (JSON.parse(value) as Record<string, unknown>);
  }

  stop(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}

const base64 = (data: Float32Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
const fromBase64 = (text: string) => {
  const bytes = Buffer.from(text, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

async function medianMs(call: () => unknown, minTimeMs: number): Promise<number> {
  return median(await timeCalls(call, { minTimeMs, warmupMs: 100, minSamples: 3, maxSamples: 10_000 }));
}

/** (Cin, Cout, k…) weight from a tfjs filter [k…, Cout, Cin] (no dilation). */
function fromTfjsFilter(data: Float32Array, plan: Plan): Float32Array {
  const cin = plan.inChannels;
  const cout = plan.outChannels;
  const taps = plan.axes.reduce((p, a) => p * a.kernel, 1);
  const out = new Float32Array(data.length);
  for (let t = 0; t < taps; t++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) out[(i * cout + o) * taps + t] = data[(t * cout + o) * cin + i]!;
  return out;
}

function tfjsLimitation(plan: Plan): string | null {
  if (plan.rank === 3) return 'tfjs has no gradient for conv3dTranspose (tfjs#6323)';
  if (plan.groups !== 1) return 'tfjs conv2dTranspose has no groups';
  if (plan.axes.some((a) => a.dilation !== 1)) return 'tfjs conv2dTranspose has no dilation';
  return null;
}

export async function runBackwardBench(options: BenchOptions): Promise<void> {
  const suite = loadSuite(options.suite);
  const cases: readonly SuiteCase[] = options.cases
    ? suite.cases.filter((c) => options.cases!.includes(c.id))
    : suite.cases.filter((c) => c.input.length >= 2);
  const minTimeMs = options.minTimeMs;
  const rows: Row[] = [];
  const flops = new Map<string, number>();
  const log = (text: string) => process.stderr.write(`${text}\n`);
  const loadBefore = loadavg();

  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const wasmBackend = await import('@tensorflow/tfjs-backend-wasm');
  wasmBackend.setThreadsCount(1);
  const torch = new TorchChild();
  try {
    const torchReady = await torch.ready().catch(() => false);
    if (!torchReady) log('PyTorch is not available (/usr/bin/python3 -c "import torch" failed): its cells are n/a');

    for (const c of cases) {
      const plan = casePlan(c);
      flops.set(c.id, plan.flops);
      const layer = caseLayer(c);
      const options = { stride: layer.stride, padding: layer.padding, outputPadding: layer.outputPadding, dilation: layer.dilation, groups: layer.groups };
      const x = randomTensor(plan.inputShape, 1);
      const w = randomTensor(plan.weightShape, 2, { low: -0.1, high: 0.1 });
      const gy = randomTensor(plan.outputShape, 3);
      const args = (backend: BackendName) => ({ input: x, weight: w, bias: false, gradOutput: gy, options: { ...options, backend, threads: 1 } });
      log(`${c.id}: reference gradients (${(plan.flops / 1e9).toFixed(2)} GFLOP each)`);
      const referenceDx = inputGradient('convTranspose', args('reference'));
      const referenceDw = weightGradient('convTranspose', args('reference'));
      const check = (got: ArrayLike<number>, want: Tensor) => relativeL2Error(got, want.data);

      for (const backend of ['native', 'wasm'] as const) {
        // One ConvBackward per gradient, made once and run every call (its buffers are reused, as in training).
        const kept = (gradients: { input: boolean; weight: boolean }) => new ConvBackward('convTranspose', x.shape, w.shape, {
          ...options, bias: false, backend, threads: 1, gradients,
        });
        const dxBack = kept({ input: true, weight: false });
        const err = check(dxBack.run(x.data, w.data, gy.data).input.data, referenceDx);
        const ms = err < TOLERANCE ? await medianMs(() => dxBack.run(x.data, w.data, gy.data), minTimeMs) : null;
        rows.push({ case: c.id, what: 'dX', library: `tconv ${backend}`, ms, relErr: err });
        const dwBack = kept({ input: false, weight: true });
        const dwErr = check(dwBack.run(x.data, w.data, gy.data).weight.data, referenceDw);
        const dwMs = dwErr < TOLERANCE ? await medianMs(() => dwBack.run(x.data, w.data, gy.data), minTimeMs) : null;
        rows.push({ case: c.id, what: 'dW', library: `tconv ${backend}`, ms: dwMs, relErr: dwErr });
      }
      {
        // The route native ∂W took before the addon's kernel, same run: the swapped conv on the native engine.
        const swapped = swappedConv(plan);
        const scratch = new Float32Array(swapped.workspaceFloats);
        const out = new Float32Array(w.data.length);
        const route = () => swappedConvWeightGradient(plan, swapped, x.data, gy.data, out, scratch, 'native', 1);
        route();
        const err = check(out, referenceDw);
        rows.push({ case: c.id, what: 'dW', library: 'native conv route', ms: err < TOLERANCE ? await medianMs(route, minTimeMs) : null, relErr: err });
      }
      // The reference backend's ∂W: the float64 per-phase correlation in TypeScript.
      rows.push({ case: c.id, what: 'dW', library: 'tconv ts', ms: await medianMs(() => weightGradient('convTranspose', args('reference')), minTimeMs), relErr: 0 });

      if (torchReady) {
        const answer = await torch.request({
          op: 'layer', rank: plan.rank, n: plan.batch, cin: plan.inChannels, cout: plan.outChannels, input: plan.axes.map((a) => a.input),
          output: plan.axes.map((a) => a.output), kernel: plan.axes.map((a) => a.kernel), stride: plan.axes.map((a) => a.stride),
          padding: plan.axes.map((a) => a.padding ?? 0), outputPadding: plan.axes.map((a) => a.outputPadding ?? 0),
          dilation: plan.axes.map((a) => a.dilation), groups: plan.groups, x: base64(x.data), w: base64(w.data), gy: base64(gy.data),
          minTime: minTimeMs / 1000, threads: 1,
        });
        if (typeof answer.error === 'string') {
          rows.push({ case: c.id, what: 'dX', library: 'pytorch', ms: null, relErr: null, note: answer.error });
        } else {
          const dxErr = check(fromBase64(answer.dx as string), referenceDx);
          const dwErr = check(fromBase64(answer.dw as string), referenceDw);
          rows.push({ case: c.id, what: 'dX', library: 'pytorch', ms: dxErr < TOLERANCE ? (answer.dxMs as number) : null, relErr: dxErr });
          rows.push({ case: c.id, what: 'dW', library: 'pytorch', ms: dwErr < TOLERANCE ? (answer.dwMs as number) : null, relErr: dwErr });
          for (const [what, key, reference] of [['dX', 'dxDirect', referenceDx], ['dW', 'dwDirect', referenceDw]] as const) {
            const data = answer[key];
            if (typeof data !== 'string') {
              rows.push({ case: c.id, what, library: 'pytorch conv', ms: null, relErr: null, note: 'the channels-as-batch formulation of ∂W needs groups = 1' });
              continue;
            }
            const err = check(fromBase64(data), reference);
            rows.push({ case: c.id, what, library: 'pytorch conv', ms: err < TOLERANCE ? (answer[`${key}Ms`] as number) : null, relErr: err });
          }
        }
      }

      for (const backend of ['cpu', 'wasm'] as const) {
        const library = `tfjs-${backend}`;
        const limitation = tfjsLimitation(plan);
        if (limitation) {
          for (const what of ['dX', 'dW'] as const) rows.push({ case: c.id, what, library, ms: null, relErr: null, note: limitation });
          continue;
        }
        await tf.setBackend(backend);
        await tf.ready();
        rows.push(...(await timeTfjs(tf, { plan, x, w, gy, referenceDx, referenceDw, library, caseId: c.id, minTimeMs })));
      }
      for (const r of rows.filter((row) => row.case === c.id)) log(`  ${r.what} ${r.library}: ${r.ms === null ? `n/a (${r.note ?? `relErr ${r.relErr}`})` : `${r.ms.toFixed(2)} ms`}`);
    }

    log('training step of the demo decoder');
    const stepMs = await tconvStepMs(minTimeMs);
    rows.push({ case: 'demo-step', what: 'step', library: 'tconv native', ms: stepMs.native, relErr: null });
    rows.push({ case: 'demo-step', what: 'step', library: 'tconv wasm', ms: stepMs.wasm, relErr: null });
    if (torchReady) {
      const answer = await torch.request({ op: 'step', ...STEP, minTime: minTimeMs / 1000, threads: 1 });
      rows.push({ case: 'demo-step', what: 'step', library: 'pytorch', ms: typeof answer.stepMs === 'number' ? answer.stepMs : null, relErr: null, note: answer.error as string | undefined });
    }
    rows.push({ case: 'demo-step', what: 'step', library: 'tfjs-cpu', ms: null, relErr: null, note: 'not built: tfjs-core has no layers or optimizers of its own here' });
  } finally {
    torch.stop();
  }

  const report = formatReport(rows, flops, loadBefore, torch.version);
  process.stdout.write(`${report.text}\n`);
  if (options.markdown) writeFileSync(options.markdown, `${report.markdown}\n`);
  if (options.json) writeFileSync(options.json, `${JSON.stringify({ rows, flops: Object.fromEntries(flops) }, null, 2)}\n`);
}

async function timeTfjs(
  tf: typeof Tf,
  a: { plan: Plan; x: Tensor; w: Tensor; gy: Tensor; referenceDx: Tensor; referenceDw: Tensor; library: string; caseId: string; minTimeMs: number },
): Promise<Row[]> {
  const { plan } = a;
  const [n = 1, cin = 1, ...inSpatial] = plan.inputShape;
  const [, cout = 1, ...outSpatial] = plan.outputShape;
  const filter = tfjsFilter(a.w.data, plan);
  const x = tf.tensor4d(toChannelsLast(a.x.data, plan.inputShape), [n, inSpatial[0]!, inSpatial[1]!, cin]);
  const gy = tf.tensor4d(toChannelsLast(a.gy.data, plan.outputShape), [n, outSpatial[0]!, outSpatial[1]!, cout]);
  const f = tf.tensor4d(filter.data, filter.shape as [number, number, number, number]);
  const strides = plan.axes.map((ax) => ax.stride) as [number, number];
  // The forward conv whose gradient conv2dTranspose is: its pads are our crop (begin) and end.
  const pad = [[0, 0], ...plan.axes.map((ax) => [ax.padBegin, Math.max(ax.padEnd, 0)]), [0, 0]] as Parameters<typeof tf.conv2d>[3];
  // What conv2DBackpropInputGradConfig (tfjs-core/src/gradients/Conv2DBackpropInput_grad.ts) calls.
  const dx = () => tf.conv2d(gy, f, strides, pad);
  const dw = () => tf.engine().runKernel('Conv2DBackpropFilter', { x: gy, dy: x }, { strides, pad, dataFormat: 'NHWC', filterShape: filter.shape }) as Tf.Tensor;
  const run = (op: () => Tf.Tensor) => {
    const t = op();
    const values = t.dataSync() as Float32Array;
    t.dispose();
    return values;
  };
  try {
    const rows: Row[] = [];
    if (a.library === 'tfjs-cpu' && plan.flops > TFJS_CPU_MAX_FLOPS.dX) {
      const note = `not timed above ${TFJS_CPU_MAX_FLOPS.dX / 1e9} GFLOP (∂X) and ${TFJS_CPU_MAX_FLOPS.dW / 1e9} GFLOP (∂W): scalar loops, 0.65 s and 25.7 s per call at 0.1 GFLOP`;
      return [{ case: a.caseId, what: 'dX', library: a.library, ms: null, relErr: null, note }, { case: a.caseId, what: 'dW', library: a.library, ms: null, relErr: null, note }];
    }
    const dxData = run(dx);
    const dxErr = dxData.length === a.referenceDx.data.length ? relativeL2Error(fromChannelsLast(dxData, plan.inputShape), a.referenceDx.data) : Infinity;
    rows.push({ case: a.caseId, what: 'dX', library: a.library, ms: dxErr < TOLERANCE ? await medianMs(() => run(dx), a.minTimeMs) : null, relErr: dxErr });
    if (a.library === 'tfjs-cpu' && plan.flops > TFJS_CPU_MAX_FLOPS.dW) {
      rows.push({ case: a.caseId, what: 'dW', library: a.library, ms: null, relErr: null, note: `not timed above ${TFJS_CPU_MAX_FLOPS.dW / 1e9} GFLOP (∂W): a scalar loop, 25.7 s per call at 0.1 GFLOP` });
      return rows;
    }
    let dwData: Float32Array;
    try {
      dwData = run(dw);
    } catch (error) {
      // tfjs-backend-wasm registers no Conv2DBackpropFilter kernel: conv2dTranspose has no filter gradient there.
      rows.push({ case: a.caseId, what: 'dW', library: a.library, ms: null, relErr: null, note: (error as Error).message });
      return rows;
    }
    const dwErr = relativeL2Error(fromTfjsFilter(dwData, plan), a.referenceDw.data);
    rows.push({ case: a.caseId, what: 'dW', library: a.library, ms: dwErr < TOLERANCE ? await medianMs(() => run(dw), a.minTimeMs) : null, relErr: dwErr });
    return rows;
  } finally {
    tf.dispose([x, gy, f]);
  }
}

/** One Adam step (forward, MSE, backward, update) of the demo's convT-k4 decoder with learned latent codes. */
async function tconvStepMs(minTimeMs: number): Promise<{ native: number; wasm: number }> {
  const result = { native: 0, wasm: 0 };
  for (const backend of ['native', 'wasm'] as const) {
    const net = demoDecoder('convT-k4', { channels: STEP.channels, stages: STEP.stages, seed: 1, backend });
    const latent = parameter('latent', randomTensor([STEP.images, STEP.channels, 4, 4], 2, { distribution: 'normal' }));
    const size = 4 * 2 ** STEP.stages;
    const target = tensor([STEP.images, 1, size, size], randomTensor([STEP.images * size * size], 3, { low: 0, high: 1 }).data);
    const optimizer = adam([...net.parameters(), latent], { lr: 0.01 });
    const lossGradient = tensor(target.shape); // kept, as the demo keeps it: a step allocates nothing after the first
    result[backend] = await medianMs(() => {
      optimizer.zeroGrad();
      const { gradient } = mseLoss(net.forward(latent.value), target, lossGradient);
      latent.grad.set(net.backward(gradient).data);
      optimizer.step();
    }, minTimeMs);
  }
  return result;
}

function formatReport(rows: readonly Row[], flops: ReadonlyMap<string, number>, loadBefore: number[], torchVersion: string) {
  const libraries = ['tconv native', 'native conv route', 'tconv wasm', 'tconv ts', 'pytorch', 'pytorch conv', 'tfjs-cpu', 'tfjs-wasm'];
  const cell = (caseId: string, what: string, library: string): string => {
    const r = rows.find((row) => row.case === caseId && row.what === what && row.library === library);
    if (!r) return '';
    if (r.ms === null) return 'n/a';
    return `${r.ms < 10 ? r.ms.toFixed(2) : r.ms.toFixed(1)}`;
  };
  const header = ['case', 'GFLOP', 'grad', ...libraries, 'pytorch / tconv'];
  const body: string[][] = [];
  const ratios: Record<string, number[]> = { dX: [], dW: [], step: [] };
  const cases = [...new Set(rows.map((r) => r.case))];
  for (const c of cases) {
    for (const what of ['dX', 'dW', 'step'] as const) {
      if (!rows.some((r) => r.case === c && r.what === what)) continue;
      const tconvMs = rows.filter((r) => r.case === c && r.what === what && r.library.startsWith('tconv') && r.ms !== null).map((r) => r.ms!);
      // Against PyTorch's faster path of the two (autograd's call or the direct convolution).
      const torchTimes = rows.filter((r) => r.case === c && r.what === what && r.library.startsWith('pytorch') && r.ms !== null).map((r) => r.ms!);
      const torchMs = torchTimes.length ? Math.min(...torchTimes) : null;
      const best = tconvMs.length ? Math.min(...tconvMs) : null;
      const ratio = best !== null && torchMs !== null ? torchMs / best : null;
      if (ratio !== null) ratios[what]!.push(ratio);
      const gflop = flops.get(c);
      body.push([c, gflop === undefined ? '' : (gflop / 1e9).toFixed(3), what, ...libraries.map((l) => cell(c, what, l)), ratio === null ? '' : `${ratio < 0.1 ? ratio.toPrecision(2) : ratio.toFixed(2)}×`]);
    }
  }
  const geo = (values: number[]) => (values.length ? Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length) : NaN);
  const notes = [...new Set(rows.filter((r) => r.ms === null && r.note).map((r) => `${r.library}: ${r.note}`))];
  const meta = `${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}, torch ${torchVersion || 'n/a'}; 1 thread everywhere; load average ${loadBefore[0]!.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`;
  const pairs = (what: string, slow: string, fast: string) => cases.flatMap((c) => {
    const a = rows.find((r) => r.case === c && r.what === what && r.library === slow)?.ms;
    const b = rows.find((r) => r.case === c && r.what === what && r.library === fast)?.ms;
    return a != null && b != null ? [a / b] : [];
  });
  const summary = [
    `geometric means of time ratios (above 1: tconv faster) — best pytorch / best tconv: dX ${geo(ratios.dX!).toFixed(2)}, dW ${geo(ratios.dW!).toFixed(2)}, step ${geo(ratios.step!).toFixed(2)};`,
    `autograd's own call / tconv native: dX ${geo(pairs('dX', 'pytorch', 'tconv native')).toFixed(2)}, dW ${geo(pairs('dW', 'pytorch', 'tconv native')).toFixed(2)};`,
    `pytorch conv / tconv native: dX ${geo(pairs('dX', 'pytorch conv', 'tconv native')).toFixed(2)}, dW ${geo(pairs('dW', 'pytorch conv', 'tconv native')).toFixed(2)};`,
    `native conv route / tconv native, dW: ${geo(pairs('dW', 'native conv route', 'tconv native')).toFixed(2)};`,
    `tfjs-wasm / tconv wasm, dX: ${geo(pairs('dX', 'tfjs-wasm', 'tconv wasm')).toFixed(2)}`,
  ].join(' ');
  return {
    text: [meta, '', 'median ms per call', renderTable(header, body), '', summary, ...notes.map((n) => `n/a — ${n}`)].join('\n'),
    markdown: [meta, '', '**Median ms per call**', '', markdownTable(header, body), '', summary, '', ...notes.map((n) => `- n/a — ${n}`)].join('\n'),
  };
}
