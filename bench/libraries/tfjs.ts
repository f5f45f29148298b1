/**
 * TensorFlow.js peers: @tensorflow/tfjs-backend-wasm and -cpu. tfjs is channels-last with filters [k…, out, in]
 * and has conv2dTranspose and conv3dTranspose only: 1D runs as 2D with a height of 1, dilation is emulated with a
 * zero-inserted filter, groups and 3D padding other than 'valid' cannot be expressed (reported as n/a).
 * Data are converted outside the timed call; the bias add is inside it (tfjs has no fused transposed conv).
 */
import type * as Tf from '@tensorflow/tfjs-core';
import { fromChannelsLast, tfjsFilter, toChannelsLast } from '../layout.ts';
import { packageVersion } from './version.ts';
import type { BenchLibrary, CaseData, Preparation } from './library.ts';

/** Why tfjs cannot run this layer, or null. */
export function tfjsLimitation({ plan }: Pick<CaseData, 'plan'>): string | null {
  if (plan.groups !== 1) return 'tfjs has no grouped transposed convolution';
  if (plan.rank === 3 && plan.axes.some((a) => a.padBegin !== 0 || a.padEnd !== 0)) {
    return "tfjs conv3dTranspose accepts only 'valid' or 'same' padding";
  }
  return null;
}

export async function tfjs(backend: 'wasm' | 'cpu'): Promise<BenchLibrary> {
  const tf = await import('@tensorflow/tfjs-core');
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  else await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend(backend);
  await tf.ready();
  const pkg = `@tensorflow/tfjs-backend-${backend}`;
  return {
    version: `${pkg} ${packageVersion(pkg)}`,
    unavailable: null,
    async prepare(data: CaseData): Promise<Preparation> {
      const limitation = tfjsLimitation(data);
      if (limitation) return { supported: false, reason: limitation };
      return { supported: true, prepared: prepareTfjs(tf, data) };
    },
  };
}

function prepareTfjs(tf: typeof Tf, { plan, input, weight, bias }: CaseData) {
  const filter = tfjsFilter(weight, plan);
  const [n = 1, cin = 1, ...inSpatial] = plan.inputShape;
  const [, cout = 1, ...outSpatial] = plan.outputShape;
  const b = tf.tensor1d(bias);
  const x = tf.tensor(toChannelsLast(input, plan.inputShape), plan.rank === 1 ? [n, 1, inSpatial[0]!, cin] : [n, ...inSpatial, cin]);
  const f = tf.tensor(filter.data, plan.rank === 1 ? [1, ...filter.shape] : filter.shape);
  const strides = plan.axes.map((a) => a.stride);
  // tfjs pads describe the forward convolution whose gradient this is: its begin pad is our crop at the start.
  const pads = plan.axes.map((a): [number, number] => [a.padBegin, Math.max(a.padEnd, 0)]);

  let forward: () => Tf.Tensor;
  if (plan.rank === 3) {
    const outputShape = [n, ...outSpatial, cout] as [number, number, number, number, number];
    forward = () => tf.conv3dTranspose(x as Tf.Tensor5D, f as Tf.Tensor5D, outputShape, strides as [number, number, number], 'valid');
  } else {
    const outputShape = (plan.rank === 1 ? [n, 1, outSpatial[0]!, cout] : [n, ...outSpatial, cout]) as [number, number, number, number];
    const strides2 = (plan.rank === 1 ? [1, strides[0]!] : strides) as [number, number];
    const pads2 = plan.rank === 1 ? [[0, 0], pads[0]!] : pads;
    const padding = [[0, 0], ...pads2, [0, 0]] as Parameters<typeof tf.conv2dTranspose>[4];
    forward = () => tf.conv2dTranspose(x as Tf.Tensor4D, f as Tf.Tensor4D, outputShape, strides2, padding);
  }
  return {
    run(): Float32Array {
      const y = tf.tidy(() => tf.add(forward(), b));
      const values = y.dataSync() as Float32Array;
      y.dispose();
      return values;
    },
    toCanonical: (output: Float32Array) => fromChannelsLast(output, plan.outputShape),
    dispose() {
      tf.dispose([x, f, b]);
    },
  };
}
