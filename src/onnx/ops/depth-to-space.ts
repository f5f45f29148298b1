/**
 * DepthToSpace (pixel shuffle) and its inverse SpaceToDepth.
 * DepthToSpace: (N, C·b², H, W) → (N, C, H·b, W·b). DCR (ONNX default) takes the block offset from
 * the outer part of the channel index; CRD (PyTorch's PixelShuffle) from the inner part.
 */
import { invalidModel } from '../errors.ts';
import { intAttr, stringAttr } from '../model.ts';
import { DataType } from '../schema.ts';
import type { OpDefinition, Shape } from './types.ts';
import type { OnnxNode } from '../model.ts';
import { transpose } from './shape-ops.ts';
import { asFloat32, floatOutput, floatTensor, notSupported, required } from './util.ts';
import { pixelShuffle } from '../../engine/index.ts';
import { elementwiseKernels } from '../../engine/select.ts';

function check(node: OnnxNode, x: Shape): { b: number; mode: string } {
  const b = intAttr(node, 'blocksize', 0);
  if (b < 1) throw invalidModel(`${node.name}.blocksize`, b, 'must be a positive integer');
  const mode = stringAttr(node, 'mode', 'DCR');
  if (mode !== 'DCR' && mode !== 'CRD') notSupported(node, 'mode', mode, 'use DCR or CRD');
  if (x.length !== 4) throw invalidModel(`${node.name}.input`, [...x], 'must be 4-D (N, C, H, W)');
  if (x[1]! % (b * b) !== 0) throw invalidModel(`${node.name}.input`, [...x], `has ${x[1]} channels, not divisible by blocksize² (${b * b})`);
  return { b, mode };
}

export const DepthToSpace: OpDefinition = {
  infer: (ctx) => {
    const x = required(ctx.node, ctx.shapes, 0, 'an input');
    const { b } = check(ctx.node, x);
    return [{ shape: [x[0]!, x[1]! / (b * b), x[2]! * b, x[3]! * b], dataType: DataType.FLOAT }];
  },
  run: (ctx) => {
    const x = required(ctx.node, ctx.inputs, 0, 'an input');
    const { b, mode } = check(ctx.node, x.shape);
    if (mode === 'CRD' && x.dataType === DataType.FLOAT) {
      // CRD is torch.nn.PixelShuffle: output rows interleaving b input rows, on the backend's row kernel, into a
      // recycled buffer.
      const [n, c, h, w] = x.shape as [number, number, number, number];
      const out = floatOutput(ctx, x.data.length, []);
      elementwiseKernels(ctx.options.backend).depthToSpace(asFloat32(x), n * (c / (b * b)), h, w, b, out);
      return [floatTensor([n, c / (b * b), h * b, w * b], out)];
    }
    if (mode === 'CRD') {
      // The engine's op (float16 and other types).
      const y = pixelShuffle({ shape: x.shape, data: asFloat32(x) }, b);
      return [floatTensor(y.shape, y.data)];
    }
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const oc = c / (b * b);
    // DCR by the spec's own definition: a 6-D reshape, a transpose, a reshape back.
    const moved = transpose({ ...x, shape: [n, b, b, oc, h, w] }, [0, 3, 4, 1, 5, 2]);
    return [{ ...moved, shape: [n, oc, h * b, w * b] }];
  },
};

/** SpaceToDepth: (N, C, H·b, W·b) → (N, C·b², H, W), the block offset in the outer part of the channel index. */
function spaceToDepthCheck(node: OnnxNode, x: Shape): number {
  const b = intAttr(node, 'blocksize', 0);
  if (b < 1) throw invalidModel(`${node.name}.blocksize`, b, 'must be a positive integer');
  if (x.length !== 4) throw invalidModel(`${node.name}.input`, [...x], 'must be 4-D (N, C, H, W)');
  if (x[2]! % b !== 0 || x[3]! % b !== 0) throw invalidModel(`${node.name}.input`, [...x], `has a height or width not divisible by blocksize ${b}`);
  return b;
}

export const SpaceToDepth: OpDefinition = {
  infer: (ctx) => {
    const x = required(ctx.node, ctx.shapes, 0, 'an input');
    const b = spaceToDepthCheck(ctx.node, x);
    return [{ shape: [x[0]!, x[1]! * b * b, x[2]! / b, x[3]! / b], dataType: ctx.types[0] ?? DataType.FLOAT }];
  },
  run: (ctx) => {
    const x = required(ctx.node, ctx.inputs, 0, 'an input');
    const b = spaceToDepthCheck(ctx.node, x.shape);
    const [n, c, h, w] = x.shape as [number, number, number, number];
    // By the operator's definition: reshape to (N, C, H/b, b, W/b, b), move the block axes before C, reshape back.
    const moved = transpose({ ...x, shape: [n, c, h / b, b, w / b, b] }, [0, 3, 5, 1, 2, 4]);
    return [{ ...moved, shape: [n, c * b * b, h / b, w / b] }];
  },
};
