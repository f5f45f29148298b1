/**
 * A tensor a layer owns across training steps: made at the first step, handed back while the shape stays, replaced
 * by one of the new shape when it changes (such as a smaller last batch). A slot holds one tensor, so it never grows
 * beyond the latest shape's size.
 */
import { type Tensor, sameShape, tensor } from '../tensor/tensor.ts';

export class TensorSlot {
  private held: Tensor | null = null;

  /**
   * @example
   * const slot = new TensorSlot();
   * slot.fit([2, 3]) === slot.fit([2, 3]) // → true (the same tensor, not cleared)
   */
  fit(shape: readonly number[]): Tensor {
    if (this.held && sameShape(this.held.shape, shape)) return this.held;
    this.held = tensor(shape);
    return this.held;
  }
}
