/**
 * DepthToSpace (pixel shuffle): (N, C·b², H, W) → (N, C, H·b, W·b). DCR (ONNX default) takes the block offset from
 * the outer part of the channel index; CRD (PyTorch's PixelShuffle) from the inner part.
 */
import { invalidModel } from '../errors.ts';
import { intAttr, stringAttr } from '../model.ts';
import { DataType } from '../schema.ts';
import type { OpDefinition, Shape } from './types.ts';
import type { OnnxNode } from '../model.ts';
import { transpose } from './shape-ops.ts';
import { asFloat32, floatTensor, notSupported, required } from './util.ts';
import { pixelShuffle } from '../../engine/index.ts';

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
    if (mode === 'CRD') {
      // CRD is torch.nn.PixelShuffle: the engine's op.
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
