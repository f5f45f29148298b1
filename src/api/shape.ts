/**
 * tconv/shape: exact arithmetic of transposed and ordinary convolutions — plans, phases, every size formula, the
 * framework conventions and translations between them, the inverse planner, errors. No engine.
 * The public face of src/shape/: the values users call, by name (the module's internal helpers stay internal), and
 * every type.
 */
export {
  AUTO_PADS, CONVENTIONS, DEFAULT_MEMORY_LIMIT_BYTES, MAX_KERNEL_OR_STRIDE, DEFAULT_MAX_SOLVE_STEPS,
  MAX_TENSOR_ELEMENTS, SOLVE_DEFAULTS, TconvError, convAlignment, convInputInterval, convOutputSize,
  effectiveKernel, fromKeras, fromOnnx, fromPytorch, fromTfjs, isEvenByRule, isTconvError, kerasOutputLength,
  outputPaddingToRestore, planGeometry, planLayer, polyphase, pytorchOutputPadding, pytorchOutputSizeRange,
  pytorchTransposedOutputSize, renderError, sameConvOutputSize, sameConvTotalPadding, sameTransposedOutputSize,
  solve, tapsInPhase, translate, transposedAlignment, transposedInputInterval, transposedOutputSize,
  upsampleAlignment, upsampleInputInterval, upsampleOutputSize, validConvOutputSize, validTransposedOutputSize,
} from '../shape/index.ts';
export type * from '../shape/index.ts';
