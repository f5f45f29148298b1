/** The two ways an ONNX file can be refused: it is malformed ('invalid-model'), or it asks for something tconv lacks. */
import { TconvError } from '../shape/errors.ts';

/**
 * A malformed or hostile file: names where in the model the problem is.
 * @example
 * invalidModel('graph.node[3].input[0]', '"x"', 'is not produced by any node, input or initializer', 'check the file')
 */
export function invalidModel(parameter: string, value: unknown, rule: string, hint = 'the file is not a valid ONNX model; re-export it'): TconvError {
  return new TconvError({ code: 'invalid-model', parameter, value, rule, hint });
}

export function unsupported(parameter: string, value: unknown, rule: string, hint: string): TconvError {
  return new TconvError({ code: 'unsupported', parameter, value, rule, hint });
}

/**
 * A shape-like input (Reshape's shape, Resize's sizes, Slice's starts…) whose value is known only at run time.
 * Its own class because callers treat it differently: lint lists the node as depending on a run-time value, a
 * run supplies the graph inputs' values before planning.
 */
export class RuntimeValueNeeded extends TconvError {
  /** The value's name in the graph. */
  readonly input: string;
  constructor(parameter: string, input: string) {
    super({
      code: 'unsupported', parameter, value: input,
      rule: 'is known only at run time (a graph input, or computed from one by a node tconv does not fold)',
      hint: 'give its value with the inputs (runModel and `tconv run` plan once the inputs are known), or make it an initializer',
    });
    this.input = input;
  }
}
