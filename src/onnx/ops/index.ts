/** The ONNX operators tconv runs, by op_type (default domain). Anything else is reported by name. */
import { Conv, ConvTranspose } from './conv.ts';
import { DepthToSpace } from './depth-to-space.ts';
import { Add, Div, Identity, LeakyRelu, Mul, Relu, Sigmoid, Sub, Tanh } from './elementwise.ts';
import { Gemm, MatMul } from './matmul.ts';
import { BatchNormalization, InstanceNormalization } from './normalization.ts';
import { Concat, Pad } from './pad.ts';
import { Cast, ConstantOfShape, Gather, Shape, Slice, Squeeze, Unsqueeze } from './shape-arith.ts';
import { Resize, Upsample } from './resize.ts';
import { Constant, Flatten, Reshape, Transpose } from './shape-ops.ts';
import type { OpDefinition } from './types.ts';

export const OPS: Readonly<Record<string, OpDefinition>> = {
  ConvTranspose, Conv, Add, Sub, Mul, Div, Resize, Upsample, DepthToSpace, Relu, LeakyRelu, Tanh, Sigmoid,
  BatchNormalization, InstanceNormalization, Reshape, Flatten, Transpose, Gemm, MatMul, Constant, Identity, Pad, Concat,
  Shape, Gather, Slice, Unsqueeze, Squeeze, ConstantOfShape, Cast,
};

export const SUPPORTED_OPS: readonly string[] = Object.keys(OPS).sort();

export function lookupOp(opType: string, domain: string): OpDefinition | undefined {
  if (domain !== '' && domain !== 'ai.onnx') return undefined;
  return Object.hasOwn(OPS, opType) ? OPS[opType] : undefined;
}

export type { OpDefinition, Shape } from './types.ts';
