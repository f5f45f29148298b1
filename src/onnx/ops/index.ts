/** The ONNX operators tconv runs, by op_type (default domain). Anything else is reported by name. */
import { Conv, ConvTranspose } from './conv.ts';
import { Add, Div, Max, Mean, Min, Mul, Pow, PRelu, Sub, Sum } from './arithmetic.ts';
import { Expand, Split, Tile } from './copy-ops.ts';
import { DepthToSpace, SpaceToDepth } from './depth-to-space.ts';
import {
  Abs, Celu, Clip, Dropout, Elu, Erf, Exp, HardSigmoid, HardSwish, Identity, LeakyRelu, Log, Neg, Reciprocal, Relu, Selu,
  Sigmoid, Softplus, Softsign, Sqrt, Tanh, ThresholdedRelu,
} from './elementwise.ts';
import { Gemm, MatMul } from './matmul.ts';
import { BatchNormalization, InstanceNormalization, LayerNormalization } from './normalization.ts';
import { AveragePool, GlobalAveragePool, GlobalMaxPool, MaxPool } from './pool.ts';
import { ReduceMean, ReduceSum } from './reduce.ts';
import { Softmax } from './softmax.ts';
import { Concat, Pad } from './pad.ts';
import { Cast, ConstantOfShape, Gather, Shape, Slice, Squeeze, Unsqueeze } from './shape-arith.ts';
import { Resize, Upsample } from './resize.ts';
import { Constant, Flatten, Reshape, Transpose } from './shape-ops.ts';
import type { OpDefinition } from './types.ts';

export const OPS: Readonly<Record<string, OpDefinition>> = {
  ConvTranspose, Conv, Add, Sub, Mul, Div, Resize, Upsample, DepthToSpace, Relu, LeakyRelu, Tanh, Sigmoid,
  BatchNormalization, InstanceNormalization, Reshape, Flatten, Transpose, Gemm, MatMul, Constant, Identity, Pad, Concat,
  Shape, Gather, Slice, Unsqueeze, Squeeze, ConstantOfShape, Cast,
  Clip, PRelu, Elu, Selu, Celu, Softplus, Softsign, HardSigmoid, HardSwish, ThresholdedRelu, Erf, SpaceToDepth, MaxPool,
  AveragePool, GlobalAveragePool, GlobalMaxPool, Softmax, LayerNormalization, Split, Expand, Tile, Pow, Sqrt, Exp, Log,
  Neg, Abs, Reciprocal, ReduceMean, ReduceSum, Max, Min, Sum, Mean, Dropout,
};

export const SUPPORTED_OPS: readonly string[] = Object.keys(OPS).sort();

export function lookupOp(opType: string, domain: string): OpDefinition | undefined {
  if (domain !== '' && domain !== 'ai.onnx') return undefined;
  return Object.hasOwn(OPS, opType) ? OPS[opType] : undefined;
}

export type { OpDefinition, Shape } from './types.ts';
