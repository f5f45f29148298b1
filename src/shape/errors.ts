/**
 * Errors are data first ({code, parameter, value, rule, hint}); the message is rendered from them,
 * so the CLI can print one sentence and `--json` can print the record.
 */
export type ErrorCode =
  | 'invalid-value'
  | 'invalid-rank'
  | 'groups-mismatch'
  | 'weight-shape'
  | 'output-padding-too-large'
  | 'output-too-small'
  | 'output-size-unreachable'
  | 'output-shape-unreachable'
  | 'memory-limit'
  | 'work-limit'
  | 'unsupported'
  | 'usage'
  | 'invalid-model';

export interface TconvErrorData {
  readonly code: ErrorCode;
  /** The parameter at fault, as the user wrote it (e.g. "outputPadding[1]"). */
  readonly parameter: string;
  /** The offending value. */
  readonly value: unknown;
  /** The rule that was broken, in words. */
  readonly rule: string;
  /** How to fix it. */
  readonly hint: string;
}

export class TconvError extends Error implements TconvErrorData {
  readonly code: ErrorCode;
  readonly parameter: string;
  readonly value: unknown;
  readonly rule: string;
  readonly hint: string;

  constructor(data: TconvErrorData) {
    // A hostile file can put millions of values where one is expected: keep the record and the message short.
    const bounded = { ...data, parameter: clip(data.parameter, 200), value: boundValue(data.value), rule: clip(data.rule, 600), hint: clip(data.hint, 300) };
    super(renderError(bounded));
    this.name = 'TconvError';
    this.code = bounded.code;
    this.parameter = bounded.parameter;
    this.value = bounded.value;
    this.rule = bounded.rule;
    this.hint = bounded.hint;
  }

  toJSON(): TconvErrorData & { message: string } {
    const { code, parameter, value, rule, hint } = this;
    return { code, parameter, value, rule, hint, message: this.message };
  }
}

const MAX_LISTED = 16;
const MAX_TEXT = 200;

function clip(text: string, max: number): string {
  return typeof text === 'string' && text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A value short enough to print: long arrays keep their first items and say how many there were, long strings
 * are cut, typed arrays are summarised.
 * @example
 * boundValue(Array.from({ length: 1000 }, (_, i) => i)) // → [0, 1, …, 15, '… (1000 items)']
 */
export function boundValue(value: unknown): unknown {
  if (typeof value === 'string') return clip(value, MAX_TEXT);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of ${(value as unknown as ArrayLike<number>).length ?? value.byteLength} items`;
  if (Array.isArray(value)) {
    const head = value.slice(0, MAX_LISTED).map(boundValue);
    return value.length > MAX_LISTED ? [...head, `… (${value.length} items)`] : head;
  }
  return value;
}

export function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value !== null && typeof value === 'object') {
    // Plain objects (a JavaScript caller's mistake, e.g. { x: 1 } for padding) read better as JSON than [object Object].
    try {
      return clip(JSON.stringify(value) ?? String(value), MAX_TEXT);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** "output_padding (2) must be smaller than stride (2) or dilation (1); use output_padding 0 or 1" */
export function renderError(data: TconvErrorData): string {
  return `${data.parameter} (${formatValue(data.value)}) ${data.rule}; ${data.hint}`;
}

export function isTconvError(error: unknown): error is TconvError {
  return error instanceof TconvError;
}

/**
 * Work refused before it starts: a budget (FLOPs, candidates, cells, layers) the request would pass. `option` is the
 * library option that raises it and `flag` the CLI flag, both named so either kind of caller can act.
 * @example
 * workLimit({ what: 'the model', needed: 3e12, unit: 'FLOPs', limit: 1e11, option: 'maxFlops', flag: '--max-flops' }).message
 * // → 'the model ("3.00e+12 FLOPs") needs more than the budget of 1.00e+11 FLOPs; raise it with --max-flops (library option maxFlops), or ask for less work'
 */
export function workLimit(budget: { what: string; needed: number; unit: string; limit: number; option: string; flag: string; fix?: string }): TconvError {
  const n = (x: number) => (x >= 1e6 ? x.toExponential(2) : String(x));
  return new TconvError({
    code: 'work-limit', parameter: budget.what, value: `${n(budget.needed)} ${budget.unit}`,
    rule: `needs more than the budget of ${n(budget.limit)} ${budget.unit}`,
    hint: `raise it with ${budget.flag} (library option ${budget.option}), or ${budget.fix ?? 'ask for less work'}`,
  });
}

/**
 * Reads a budget option: undefined gives the default; anything else must be a positive number (Infinity turns the
 * budget off), so NaN or a string cannot switch it off by accident.
 */
export function budgetOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new TconvError({ code: 'invalid-value', parameter: name, value, rule: 'must be a positive number (Infinity for no limit)', hint: `leave it out for the default of ${fallback}` });
  }
  return value;
}
