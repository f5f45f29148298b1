/**
 * Concat without copies, planned while a session compiles its steps (src/onnx/compiled.ts). When a Concat joins its
 * inputs along the outer-most axis that is not 1 (the channel axis of a batch of one), its output is its inputs laid
 * end to end. Such a Concat's inputs are then placed side by side in one shared buffer (a "root"), their producers
 * write straight into their slice, and the Concat's output is the slice covering them all: the step copies nothing.
 *
 * A later Concat may extend a root: when its first inputs are already placed end to end at the root's end (the
 * dense blocks of ESRGAN read cat(x), cat(x, x1), cat(x, x1, x2), …), the new inputs are placed after them and the
 * output is the longer slice. Every placed value has a slice of its own; a Concat's output covers exactly the slices
 * of its inputs, whose values it holds, so no two live values ever share an element.
 *
 * Left as copying Concats: inputs that are graph inputs, constants or graph outputs, not float32, repeated, made by
 * steps with several outputs, or not at the root's end; outputs that are graph outputs; and a Concat with an
 * activation fused after it unless each input's last reader is that Concat (the activation then runs in place, and
 * that output is not extended by later Concats).
 */
import type { InferredGraph } from './graph.ts';
import { intAttr } from './model.ts';
import type { FusionDraft } from './fusions.ts';
import { DataType } from './schema.ts';

/** Where a value lives: `length` elements from `offset` in the run's buffer number `root`. */
export interface Placement {
  readonly root: number;
  readonly offset: number;
  readonly length: number;
}

export interface ConcatViews {
  /** Values written into a slice of a root, by name (the Concats' inputs and outputs). */
  readonly places: ReadonlyMap<string, Placement>;
  /** Elements of each root. */
  readonly rootLengths: readonly number[];
  /** Indices of the drafts (Concat steps) whose output is a slice and which therefore copy nothing. */
  readonly views: ReadonlySet<number>;
  /**
   * Placed values read long after the rest of their root (ESRGAN's block input x, which the block's residual Add
   * reads after the block's last Concat): their producer writes a buffer of their own and each slice Concat
   * reading them copies them into their slice, so the root is freed with its other values.
   */
  readonly copied: ReadonlySet<string>;
}

/**
 * @example
 * const { places, views } = planConcatViews(drafts, graph, new Set(['y']), lastUse);
 */
export function planConcatViews(
  drafts: readonly FusionDraft[], graph: InferredGraph, keep: ReadonlySet<string>, lastUse: ReadonlyMap<string, number>,
): ConcatViews {
  const places = new Map<string, Placement>();
  const rootLengths: number[] = [];
  const views = new Set<number>();
  const sealed = new Set<string>();
  // Values a single-output step makes (a placed value must be written by a step that can be handed its slice).
  const made = new Set<string>();
  for (const d of drafts) if (d.outputs.length === 1 && d.outputs[0]) made.add(d.outputs[0]);
  const size = (name: string): number => (graph.shapes.get(name) ?? []).reduce((a, b) => a * b, 1);
  const float = (name: string): boolean => graph.types.get(name) === DataType.FLOAT && graph.shapes.has(name);

  drafts.forEach((d, index) => {
    if (d.node.opType !== 'Concat' || d.outputs.length !== 1) return;
    if (d.kind.type !== 'op' && d.kind.type !== 'activation') return;
    const out = d.outputs[0]!;
    const inputs = d.inputs;
    if (!out || keep.has(out) || !float(out) || inputs.length === 0 || new Set(inputs).size !== inputs.length) return;
    const shape = graph.shapes.get(out)!;
    const rawAxis = intAttr(d.node, 'axis', 1);
    const axis = rawAxis < 0 ? rawAxis + shape.length : rawAxis;
    // Laid end to end only when every axis before the concat axis has length 1.
    if (axis < 0 || axis >= shape.length || shape.slice(0, axis).some((n) => n !== 1)) return;
    if (inputs.some((name) => !name || keep.has(name) || graph.constants.has(name) || !made.has(name) || !float(name))) return;
    // A fused activation overwrites the inputs' elements: only when nothing reads them after this step.
    if (d.kind.type === 'activation' && inputs.some((name) => lastUse.get(name) !== index)) return;
    // The inputs already placed must come first, end to end, reaching the end of their root; a slice an
    // activation has overwritten in place is nobody's input slice.
    if (inputs.some((name) => sealed.has(name))) return;
    let placed = 0;
    while (placed < inputs.length && places.has(inputs[placed]!)) placed++;
    if (inputs.slice(placed).some((name) => places.has(name))) return;
    let root = rootLengths.length;
    let start = 0;
    if (placed > 0) {
      const first = places.get(inputs[0]!)!;
      root = first.root;
      start = first.offset;
      let end = start;
      for (const name of inputs.slice(0, placed)) {
        const p = places.get(name)!;
        if (p.root !== root || p.offset !== end) return;
        end += p.length;
      }
      if (end !== rootLengths[root]) return;
    } else {
      rootLengths.push(0);
    }
    for (const name of inputs.slice(placed)) {
      places.set(name, { root, offset: rootLengths[root]!, length: size(name) });
      rootLengths[root]! += size(name);
    }
    places.set(out, { root, offset: start, length: rootLengths[root]! - start });
    views.add(index);
    if (d.kind.type === 'activation') sealed.add(out);
  });
  // A value outliving every other value of its root (the Concats' outputs included) would keep the whole root
  // alive: it keeps its own buffer and is copied into its slice instead.
  const copied = new Set<string>();
  const members = new Map<number, string[]>();
  for (const [name, place] of places) members.set(place.root, [...(members.get(place.root) ?? []), name]);
  for (const names of members.values()) {
    for (const name of names) {
      if (!made.has(name) || drafts.some((d, index) => views.has(index) && d.outputs[0] === name)) continue;
      const last = lastUse.get(name) ?? -1;
      if (names.every((other) => other === name || (lastUse.get(other) ?? -1) < last)) copied.add(name);
    }
  }
  return { places, rootLengths, views, copied };
}
