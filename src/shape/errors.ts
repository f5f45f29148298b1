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
    super(renderError(data));
    this.name = 'TconvError';
    this.code = data.code;
    this.parameter = data.parameter;
    this.value = data.value;
    this.rule = data.rule;
    this.hint = data.hint;
  }

  toJSON(): TconvErrorData & { message: string } {
    const { code, parameter, value, rule, hint } = this;
    return { code, parameter, value, rule, hint, message: this.message };
  }
}

export function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value !== null && typeof value === 'object') {
    // Plain objects (a JavaScript caller's mistake, e.g. { x: 1 } for padding) read better as JSON than [object Object].
    try {
      return JSON.stringify(value) ?? String(value);
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
