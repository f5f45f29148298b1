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
