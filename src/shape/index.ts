/** tconv/shape: exact arithmetic of transposed and ordinary convolutions. Imports nothing else from tconv. */
export * from './errors.ts';
export * from './formulas.ts';
export * from './params.ts';
export * from './phases.ts';
export * from './plan.ts';
export * from './conventions/canonical.ts';
export * from './conventions/pytorch.ts';
export * from './conventions/onnx.ts';
export * from './inverse.ts';
export * from './conventions/keras.ts';
export * from './conventions/tfjs.ts';
export * from './translate.ts';
