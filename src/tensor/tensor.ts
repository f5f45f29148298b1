/** A small dense float32 tensor, row-major (NC[D]HW for activations). */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Whether two shapes are both known and equal, axis by axis. */
export function sameShape(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (a === b) return true;
  if (a.length !== b.length) return false;
  // A plain loop: a session checks every step's output shape with this, run after run.
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Wraps (or allocates) data for a shape; the data length must match. */
export function tensor(shape: readonly number[], data?: Float32Array | readonly number[]): Tensor {
  const size = sizeOf(shape);
  const values = data === undefined ? new Float32Array(size) : data instanceof Float32Array ? data : Float32Array.from(data);
  if (values.length !== size) {
    throw new RangeError(`tensor data has ${values.length} values but shape [${shape.join(', ')}] needs ${size}`);
  }
  return { shape: Object.freeze([...shape]), data: values };
}
