/** Small tensors, seeded randomness and PyTorch's default initialisation. */
export * from './tensor.ts';
export * from './rng.ts';
export * from './random.ts';
export * from './init.ts';
export * from './compare.ts';
