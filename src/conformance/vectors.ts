/**
 * The JSON vector format of conformance files (../shared/README.md): {"cases": [{"name", "op"?, "attributes",
 * "inputs": {"X", "W", "B"?}, "outputs": {"Y"}}]}, or a case with "expect": "failure" and an "error" text. A case may
 * also carry "gradOutputs": {"Y"} and "expectedGradients": {"X", "W", "B"?} (the backward; see src/train/).
 * PyTorch-generated vectors may use PyTorch attribute names (stride, padding, output_padding, …) and
 * input/weight/bias/output tensor names; both spellings are read here and nowhere else.
 */
import { TconvError } from '../shape/errors.ts';

export interface VectorTensor {
  readonly shape: readonly number[];
  readonly data: readonly number[];
}

export interface VectorCase {
  readonly name: string;
  /** 'ConvTranspose' (default) or 'Conv'. */
  readonly op?: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly inputs: Readonly<Record<string, VectorTensor>>;
  readonly outputs?: Readonly<Record<string, VectorTensor>>;
  /** The upstream gradient ∂L/∂Y of a gradient case (with expectedGradients). */
  readonly gradOutputs?: Readonly<Record<string, VectorTensor>>;
  /** ∂L/∂X, ∂L/∂W and (with a bias) ∂L/∂B for L = sum(Y · gradY), as PyTorch autograd computes them. */
  readonly expectedGradients?: Readonly<Record<string, VectorTensor>>;
  readonly expect?: 'success' | 'failure';
  readonly error?: string;
}

export interface VectorFile {
  readonly cases: readonly VectorCase[];
  readonly source?: string;
  readonly layout?: string;
}

const NAMES = {
  input: ['X', 'x', 'input'],
  weight: ['W', 'w', 'weight'],
  bias: ['B', 'b', 'bias'],
  output: ['Y', 'y', 'output'],
} as const;

/** Finds a tensor by any of its accepted names. */
export function pickTensor(map: Readonly<Record<string, VectorTensor>> | undefined, role: keyof typeof NAMES): VectorTensor | undefined {
  if (!map) return undefined;
  for (const name of NAMES[role]) if (map[name] !== undefined) return map[name];
  return undefined;
}

/** " (at position N)" from a JSON.parse error, without the excerpt of the text V8 puts in its message. */
function jsonPosition(error: unknown): string {
  const position = /position (\d+)/.exec((error as Error).message)?.[1];
  return position === undefined ? '' : ` (at position ${position})`;
}

/**
 * Checks the file's outer structure (cases are checked one by one when run, so one bad case fails alone).
 * @example
 * parseVectorFile('{"cases": []}').cases.length // → 0
 */
export function parseVectorFile(text: string, where = 'conformance file'): VectorFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TconvError({
      // Neither the text nor the parser's message (which quotes it): the file may be anything, e.g. /etc/passwd.
      code: 'invalid-model', parameter: where, value: `${text.length} characters`,
      rule: `is not valid JSON${jsonPosition(error)}`, hint: 'give a JSON vector file in the format of ../shared/README.md',
    });
  }
  const cases = (json as { cases?: unknown } | null)?.cases;
  if (!Array.isArray(cases)) {
    throw new TconvError({
      code: 'invalid-model', parameter: where, value: typeof json,
      rule: 'has no "cases" array', hint: 'a vector file is {"cases": [{"name", "attributes", "inputs", "outputs"}]}',
    });
  }
  // The normalisation gradient vectors (test/fixtures/gradients/norm-gradients.json) share the outer format but are
  // no convolutions: refused by name rather than run as ConvTranspose cases that fail on their shapes.
  const kinds = cases.map((c) => (c as { kind?: unknown; op?: unknown } | null)).filter((c) => c?.op === undefined && typeof c?.kind === 'string');
  if (kinds.length > 0 && kinds.length === cases.length) {
    throw new TconvError({
      code: 'unsupported', parameter: where, value: `cases of kind ${String(kinds[0]?.kind)}`,
      rule: 'holds normalisation cases; tconv conformance checks ConvTranspose and Conv vectors (cases with "op" and "attributes")',
      hint: 'the normalisation vectors are checked by the training tests (test/train/normalization.test.ts); give a convolution vector file',
    });
  }
  return json as VectorFile;
}

/** A tensor of a case, checked: integer shape, data of the right length, finite numbers. */
export function checkTensor(caseName: string, role: string, value: VectorTensor | undefined): VectorTensor {
  const parameter = `${caseName}.${role}`;
  if (!value || !Array.isArray(value.shape) || !Array.isArray(value.data)) {
    throw new TconvError({
      code: 'invalid-model', parameter, value: value === undefined ? 'missing' : typeof value,
      rule: 'must be {"shape": [...], "data": [...]}', hint: `give the case's ${role} tensor`,
    });
  }
  const size = value.shape.reduce((a, b) => a * b, 1);
  if (value.shape.some((d) => !Number.isSafeInteger(d) || d < 0) || size !== value.data.length) {
    throw new TconvError({
      code: 'invalid-model', parameter, value: value.shape,
      rule: `holds ${value.data.length} values, but its shape needs ${size}`, hint: 'make data match the shape (row-major)',
    });
  }
  return value;
}
