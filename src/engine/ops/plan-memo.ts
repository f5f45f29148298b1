/**
 * The plans of a prepared handle's last few distinct calls. A whole-model caller runs the same layer with the same
 * input shape and options many times; the shared plan cache (planFromTensors) then still spells a string key of
 * every option per call (a few µs of a ~20 µs small layer). Here a call is matched by comparing its values with a
 * copy of the ones that planned it — no key is built, and an options object edited between calls is still seen.
 *
 * Sound because a plan is a function of exactly these values: the kind, the input shape, the weight shape (fixed
 * for a handle), the bias flag and the layer options that keyOf reads. Only accepted plans are kept (a refused
 * call throws before it is remembered, and is refused again next time). Bounded: MEMO_SIZE entries per handle,
 * freed with it.
 */
import type { LayerKind } from '../../shape/params.ts';
import type { Plan } from '../../shape/plan.ts';
import type { EngineLayerOptions } from './plan-from-tensors.ts';

/** Distinct (input shape, options) per handle: a layer is usually called with one or two shapes. */
const MEMO_SIZE = 4;

/** The options a plan is a function of (EngineOptions' backend and threads are not). */
const PLANNED = ['kernel', 'stride', 'padding', 'outputPadding', 'dilation', 'groups', 'pads', 'memoryLimitBytes'] as const;

interface Entry {
  readonly kind: LayerKind;
  readonly inputShape: readonly number[];
  readonly bias: boolean;
  /** Copies of the planned option values, in PLANNED order. */
  readonly values: readonly unknown[];
  readonly plan: Plan;
}

export interface PlanMemo {
  entries: Entry[];
  /** Next slot to overwrite once full (round robin: cheaper than LRU, and a layer rarely has more shapes). */
  next: number;
}

export function newPlanMemo(): PlanMemo {
  return { entries: [], next: 0 };
}

/** A copy that later edits of the caller's arrays or pads object cannot reach. */
function snapshot(value: unknown): unknown {
  if (Array.isArray(value)) return [...value];
  if (value !== null && typeof value === 'object') {
    const { begin, end } = value as { begin?: unknown; end?: unknown };
    return { begin: Array.isArray(begin) ? [...begin] : begin, end: Array.isArray(end) ? [...end] : end, keys: Object.keys(value).length };
  }
  return value;
}

function sameList(a: unknown, b: unknown): boolean {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return a === b;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Same value as the snapshot: === for scalars (NaN never matches, so it is planned and refused again). */
function same(kept: unknown, value: unknown): boolean {
  if (Array.isArray(kept)) return sameList(kept, value);
  if (kept !== null && typeof kept === 'object') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const k = kept as { begin: unknown; end: unknown; keys: number };
    const v = value as { begin?: unknown; end?: unknown };
    return Object.keys(value).length === k.keys && sameList(k.begin, v.begin) && sameList(k.end, v.end);
  }
  return kept === value;
}

function matches(entry: Entry, kind: LayerKind, inputShape: readonly number[], bias: boolean, options: EngineLayerOptions): boolean {
  if (entry.kind !== kind || entry.bias !== bias || !sameList(entry.inputShape, inputShape)) return false;
  for (let i = 0; i < PLANNED.length; i++) if (!same(entry.values[i], options[PLANNED[i]!])) return false;
  return true;
}

/** The remembered plan of an identical earlier call, else `plan()`'s (remembered when it returns). */
export function memoPlan(
  memo: PlanMemo, kind: LayerKind, inputShape: readonly number[], bias: boolean, options: EngineLayerOptions, plan: () => Plan,
): Plan {
  for (const entry of memo.entries) if (matches(entry, kind, inputShape, bias, options)) return entry.plan;
  const fresh = plan();
  const entry: Entry = { kind, inputShape: [...inputShape], bias, values: PLANNED.map((name) => snapshot(options[name])), plan: fresh };
  if (memo.entries.length < MEMO_SIZE) {
    memo.entries.push(entry);
  } else {
    memo.entries[memo.next] = entry;
    memo.next = (memo.next + 1) % MEMO_SIZE;
  }
  return fresh;
}
