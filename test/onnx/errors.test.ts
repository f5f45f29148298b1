// Every refusal of the ONNX reader and ops, one row each: the node, the value and the rule are named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferShapes, readModel, readNpy, runModel, writeNpy } from '../../src/onnx/index.ts';
import { AttributeType, type RawAttribute, type RawTensor } from '../../src/onnx/schema.ts';
import { floatTensorProto, int64TensorProto } from '../../src/onnx/tensor-proto.ts';
import { type ModelParts, buildModel, ints, node, weight } from './build-model.ts';

const str = (name: string, value: string): RawAttribute => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(value) });
const int = (name: string, value: number): RawAttribute => ({ name, type: AttributeType.INT, i: value });
const floats = (name: string, shape: number[], values: number[]): RawTensor => floatTensorProto(name, shape, Float32Array.from(values));
const x = (shape: (number | string)[]) => ({ inputs: [{ name: 'x', shape }] });

interface Row {
  readonly parts: ModelParts;
  readonly code: string;
  readonly message: RegExp;
}

const ROWS: Record<string, Row> = {
  'missing required input': { parts: { nodes: [node('Add', ['x'], ['y'])] }, code: 'invalid-model', message: /^Add#0\.inputs \(\["x"\]\) are too few: Add needs two inputs/ },
  'shapes that do not broadcast': { parts: { nodes: [node('Add', ['x', 'c'], ['y'])], initializers: [floats('c', [3], [1, 2, 3])] }, code: 'invalid-model', message: /Add#0\.inputs \(\[\[1, 2, 4, 4\], \[3\]\]\) have shapes that do not broadcast \(axis 3: 4 vs 3\)/ },
  'bias of the wrong size': { parts: { nodes: [node('ConvTranspose', ['x', 'w', 'b'], ['y'])], initializers: [weight('w', [2, 3, 3, 3]), floats('b', [2], [1, 2])] }, code: 'invalid-model', message: /ConvTranspose#0\.B \(\[2\]\) must be \[3\], one bias per output channel/ },
  'unknown conv attribute': { parts: { nodes: [node('Conv', ['x', 'w'], ['y'], [ints('output_padding', [1, 1])])], initializers: [weight('w', [2, 2, 3, 3])] }, code: 'unsupported', message: /Conv#0\.output_padding \(\[1, 1\]\) is not an attribute of ONNX Conv/ },
  'DepthToSpace blocksize': { parts: { nodes: [node('DepthToSpace', ['x'], ['y'], [int('blocksize', 0)])] }, code: 'invalid-model', message: /DepthToSpace#0\.blocksize \(0\) must be a positive integer/ },
  'DepthToSpace mode': { parts: { nodes: [node('DepthToSpace', ['x'], ['y'], [int('blocksize', 2), str('mode', 'XYZ')])], ...x([1, 4, 2, 2]) }, code: 'unsupported', message: /DepthToSpace#0\.mode \("XYZ"\) is a DepthToSpace setting tconv does not implement; use DCR or CRD/ },
  'DepthToSpace rank': { parts: { nodes: [node('DepthToSpace', ['x'], ['y'], [int('blocksize', 2)])], ...x([1, 4, 2]) }, code: 'invalid-model', message: /DepthToSpace#0\.input \(\[1, 4, 2\]\) must be 4-D \(N, C, H, W\)/ },
  'DepthToSpace channels': { parts: { nodes: [node('DepthToSpace', ['x'], ['y'], [int('blocksize', 2)])], ...x([1, 6, 2, 2]) }, code: 'invalid-model', message: /has 6 channels, not divisible by blocksize² \(4\)/ },
  'Gemm ranks': { parts: { nodes: [node('Gemm', ['x', 'x'], ['y'])] }, code: 'invalid-model', message: /Gemm#0\.inputs .* must be 2-D matrices for Gemm/ },
  'Gemm inner sizes': { parts: { nodes: [node('Gemm', ['x', 'b'], ['y'])], initializers: [floats('b', [3, 2], [1, 2, 3, 4, 5, 6])], ...x([2, 4]) }, code: 'invalid-model', message: /Gemm#0\.inputs \(\[\[2, 4\], \[3, 2\]\]\) have inner sizes 4 and 3 that differ/ },
  'MatMul 1-D': { parts: { nodes: [node('MatMul', ['x', 'b'], ['y'])], initializers: [floats('b', [4], [1, 2, 3, 4])], ...x([2, 4]) }, code: 'invalid-model', message: /must have rank 2 or more \(tconv does not take 1-D MatMul operands\)/ },
  'MatMul inner sizes': { parts: { nodes: [node('MatMul', ['x', 'b'], ['y'])], initializers: [floats('b', [3, 1], [1, 2, 3])], ...x([2, 4]) }, code: 'invalid-model', message: /MatMul#0\.inputs .* have inner sizes 4 and 3 that differ/ },
  'BatchNorm spatial 0': { parts: { nodes: [node('BatchNormalization', ['x', 'g', 'g', 'g', 'g'], ['y'], [int('spatial', 0)])], initializers: [floats('g', [2], [1, 1])] }, code: 'unsupported', message: /spatial \(0\) is a BatchNormalization setting tconv does not implement; use spatial = 1/ },
  'BatchNorm rank': { parts: { nodes: [node('BatchNormalization', ['x', 'g', 'g', 'g', 'g'], ['y'])], initializers: [floats('g', [2], [1, 1])], ...x([2]) }, code: 'invalid-model', message: /BatchNormalization#0\.X \(\[2\]\) must have a channel axis/ },
  'BatchNorm statistics': { parts: { nodes: [node('BatchNormalization', ['x', 'g', 'g', 'g', 'g'], ['y'])], initializers: [floats('g', [3], [1, 1, 1])] }, code: 'invalid-model', message: /BatchNormalization#0\.input\[1\] \(\[3\]\) must hold one value per channel \(2\)/ },
  'Resize transform': { parts: { nodes: [node('Resize', ['x', '', 's'], ['y'], [str('coordinate_transformation_mode', 'tf_crop_and_resize')])], initializers: [floats('s', [4], [1, 1, 2, 2])] }, code: 'unsupported', message: /Resize#0\.scales \(\[1, 1, 2, 2\]\) is a Resize setting tconv does not implement; with tf_crop_and_resize the spec sizes the output by the roi and runtimes do not: give sizes/ },
  'Resize nearest mode': { parts: { nodes: [node('Resize', ['x', '', 's'], ['y'], [str('nearest_mode', 'nearest')])], initializers: [floats('s', [4], [1, 1, 2, 2])] }, code: 'unsupported', message: /nearest_mode \("nearest"\) is a Resize setting/ },
  'Resize computed scales': { parts: { nodes: [node('Relu', ['x'], ['s']), node('Resize', ['x', '', 's'], ['y'])] }, code: 'unsupported', message: /Resize#1\.scales \("s"\) is known only at run time \(a graph input, or computed from one by a node tconv does not fold\); give its value with the inputs/ },
  'Resize computed sizes': { parts: { nodes: [node('Relu', ['x'], ['z']), node('Resize', ['x', '', '', 'z'], ['y'])] }, code: 'unsupported', message: /Resize#1\.sizes \("z"\) is known only at run time/ },
  'Resize neither': { parts: { nodes: [node('Resize', ['x'], ['y'])] }, code: 'invalid-model', message: /Resize#0\.inputs \(\["x"\]\) must give one of scales and sizes \(got neither\)/ },
  'Resize both': { parts: { nodes: [node('Resize', ['x', '', 's', 'z'], ['y'])], initializers: [floats('s', [4], [1, 1, 2, 2]), int64TensorProto('z', [4], [1, 2, 8, 8])] }, code: 'invalid-model', message: /must give only one of scales and sizes \(got both\)/ },
  'Resize scales length': { parts: { nodes: [node('Resize', ['x', '', 's'], ['y'])], initializers: [floats('s', [2], [2, 2])] }, code: 'invalid-model', message: /Resize#0\.scales \(\[2, 2\]\) must hold one value per axis of the input \(4\)/ },
  'Resize sizes value': { parts: { nodes: [node('Resize', ['x', '', '', 'z'], ['y'])], initializers: [int64TensorProto('z', [4], [1, 2, 0, 8])] }, code: 'invalid-model', message: /Resize#0\.sizes\[2\] \(0\) must be a positive integer/ },
  'Resize negative scale': { parts: { nodes: [node('Resize', ['x', '', 's'], ['y'])], initializers: [floats('s', [4], [1, 1, -2, 2])] }, code: 'invalid-model', message: /Resize#0\.scales\[2\] \(-2\) must be a positive number/ },
  'Resize to nothing': { parts: { nodes: [node('Resize', ['x', '', 's'], ['y'])], initializers: [floats('s', [4], [1, 1, 0.1, 2])] }, code: 'invalid-model', message: /Resize#0\.scales\[2\] \(0\.1\d*\) gives an output size of 0 on axis 2/ },
  'Constant without value': { parts: { nodes: [node('Constant', [], ['c'], [str('sparse_value', 'x')]), node('Add', ['x', 'c'], ['y'])] }, code: 'unsupported', message: /Constant#0\.sparse_value \("\(none\)"\) is a Constant setting tconv does not implement/ },
  'Reshape two -1': { parts: { nodes: [node('Reshape', ['x', 's'], ['y'])], initializers: [int64TensorProto('s', [2], [-1, -1])] }, code: 'invalid-model', message: /Reshape#0\.shape \(\[-1, -1\]\) has more than one -1/ },
  'Reshape copy beyond rank': { parts: { nodes: [node('Reshape', ['x', 's'], ['y'])], initializers: [int64TensorProto('s', [5], [1, 2, 4, 4, 0])] }, code: 'invalid-model', message: /copies dimension 4 \(0\), which the input does not have/ },
  'Reshape bad size': { parts: { nodes: [node('Reshape', ['x', 's'], ['y'])], initializers: [int64TensorProto('s', [2], [-2, 16])] }, code: 'invalid-model', message: /Reshape#0\.shape\[0\] \(-2\) must be a size, 0 or -1/ },
  'Reshape element count': { parts: { nodes: [node('Reshape', ['x', 's'], ['y'])], initializers: [int64TensorProto('s', [2], [4, 4])] }, code: 'invalid-model', message: /Reshape#0\.shape \(\[4, 4\]\) holds 16 elements but the input \[1, 2, 4, 4\] has 32/ },
  'Flatten axis': { parts: { nodes: [node('Flatten', ['x'], ['y'], [int('axis', 7)])] }, code: 'invalid-model', message: /Flatten#0\.axis \(7\) must lie in \[-4, 3\] for a rank-4 input/ },
  'Transpose perm': { parts: { nodes: [node('Transpose', ['x'], ['y'], [ints('perm', [0, 1, 1, 2])])] }, code: 'invalid-model', message: /Transpose#0\.perm \(\[0, 1, 1, 2\]\) must be a permutation of 0…3/ },
  'integer attribute of the wrong type': { parts: { nodes: [node('Flatten', ['x'], ['y'], [str('axis', 'one')])] }, code: 'invalid-model', message: /Flatten#0\.axis \("one"\) must be an integer attribute/ },
  'float attribute of the wrong type': { parts: { nodes: [node('LeakyRelu', ['x'], ['y'], [str('alpha', 'big')])] }, code: 'invalid-model', message: /LeakyRelu#0\.alpha \("big"\) must be a number attribute/ },
  'ints attribute of the wrong type': { parts: { nodes: [node('Transpose', ['x'], ['y'], [int('perm', 1)])] }, code: 'invalid-model', message: /Transpose#0\.perm \(1\) must be a list of integers/ },
  'string attribute of the wrong type': { parts: { nodes: [node('DepthToSpace', ['x'], ['y'], [int('blocksize', 2), int('mode', 3)])], ...x([1, 4, 2, 2]) }, code: 'invalid-model', message: /DepthToSpace#0\.mode \(3\) must be a string attribute/ },
  'tensor attribute without a tensor': { parts: { nodes: [node('Constant', [], ['y'], [{ name: 'value', type: AttributeType.TENSOR }])] }, code: 'invalid-model', message: /graph\.node\[0\]\.attribute "value" \("TENSOR"\) has no tensor value/ },
  'unnamed initializer': { parts: { nodes: [node('Relu', ['x'], ['y'])], initializers: [{ dims: [1], data_type: 1, float_data: [1] }] }, code: 'invalid-model', message: /graph\.initializer\[0\] \(""\) has no name/ },
  'repeated initializer': { parts: { nodes: [node('Relu', ['x'], ['y'])], initializers: [floats('c', [1], [1]), floats('c', [1], [2])] }, code: 'invalid-model', message: /graph\.initializer\[1\] \("c"\) \("c"\) repeats the name of an earlier initializer/ },
  'node without op_type': { parts: { nodes: [node('', ['x'], ['y'])] }, code: 'invalid-model', message: /graph\.node\[0\]\.op_type \(""\) is empty/ },
  'attribute without a name': { parts: { nodes: [node('Relu', ['x'], ['y'], [int('', 1)])] }, code: 'invalid-model', message: /graph\.node\[0\]\.attribute\[0\]\.name \(""\) is empty/ },
  'graph input without a name': { parts: { nodes: [node('Relu', ['x'], ['y'])], inputs: [{ name: '', shape: [1] }] }, code: 'invalid-model', message: /graph\.input\[0\]\.name \(""\) is empty/ },
  'Pad mode': { parts: { nodes: [node('Pad', ['x', 'p'], ['y'], [str('mode', 'wrap')])], initializers: [int64TensorProto('p', [8], [0, 0, 1, 1, 0, 0, 1, 1])] }, code: 'unsupported', message: /Pad#0\.mode \("wrap"\) is a Pad setting tconv does not implement; use constant, reflect or edge/ },
  'Pad computed pads': { parts: { nodes: [node('Relu', ['x'], ['p']), node('Pad', ['x', 'p'], ['y'])] }, code: 'unsupported', message: /Pad#1\.pads \("p"\) is known only at run time/ },
  'Pad axes length': { parts: { nodes: [node('Pad', ['x', 'p', '', 'a'], ['y'])], initializers: [int64TensorProto('p', [2], [1, 1]), int64TensorProto('a', [2], [2, 3])], opset: 18 }, code: 'invalid-model', message: /Pad#0\.pads \(\[1, 1\]\) must hold 4 values \(begin then end for each of the 2 axes named\)/ },
  'Pad computed value': { parts: { nodes: [node('Relu', ['x'], ['v']), node('Pad', ['x', 'p', 'v'], ['y'])], initializers: [int64TensorProto('p', [8], [0, 0, 1, 1, 0, 0, 1, 1])] }, code: 'unsupported', message: /Pad#1\.constant_value \("v"\) is known only at run time/ },
  'Pad length': { parts: { nodes: [node('Pad', ['x', 'p'], ['y'])], initializers: [int64TensorProto('p', [4], [1, 1, 1, 1])] }, code: 'invalid-model', message: /Pad#0\.pads \(\[1, 1, 1, 1\]\) must hold 8 values \(begin then end for each of the 4 axes\)/ },
  'Pad crops everything': { parts: { nodes: [node('Pad', ['x', 'p'], ['y'])], initializers: [int64TensorProto('p', [8], [0, 0, -3, 0, 0, 0, -3, 0])] }, code: 'invalid-model', message: /Pad#0\.pads .* leaves an output size of -2 on axis 2/ },
  'Pad reflect too far': { parts: { nodes: [node('Pad', ['x', 'p'], ['y'], [str('mode', 'reflect')])], initializers: [int64TensorProto('p', [8], [0, 0, 4, 0, 0, 0, 0, 0])] }, code: 'invalid-model', message: /reflects 4 cells on axis 2 of size 4, but reflect padding must be smaller than the size/ },
  'Concat shapes': { parts: { nodes: [node('Concat', ['x', 'c'], ['y'], [int('axis', 1)])], initializers: [floats('c', [1, 1, 4, 3], Array(12).fill(0))] }, code: 'invalid-model', message: /Concat#0\.input\[1\] \(\[1, 1, 4, 3\]\) does not match input 0 \[1, 2, 4, 4\] outside axis 1/ },
  'Gather index': { parts: { nodes: [node('Shape', ['x'], ['s']), node('Gather', ['s', 'i'], ['g']), node('Reshape', ['x', 'g'], ['y'])], initializers: [int64TensorProto('i', [1], [9])] }, code: 'invalid-model', message: /Gather#1\.indices \(9\) is outside axis 0 of size 4/ },
  'Slice lengths': { parts: { nodes: [node('Slice', ['x', 'a', 'b'], ['y'])], initializers: [int64TensorProto('a', [2], [0, 0]), int64TensorProto('b', [1], [1])] }, code: 'invalid-model', message: /Slice#0\.starts \(\[0, 0\]\) must have as many values as ends, axes and steps/ },
  'Slice step 0': { parts: { nodes: [node('Slice', ['x', 'a', 'b', '', 'c'], ['y'])], initializers: [int64TensorProto('a', [1], [0]), int64TensorProto('b', [1], [1]), int64TensorProto('c', [1], [0])] }, code: 'invalid-model', message: /Slice#0\.steps \(\[0\]\) must not be 0/ },
  'Slice computed starts': { parts: { nodes: [node('Shape', ['x'], ['s']), node('Relu', ['x'], ['r']), node('Slice', ['x', 'r', 's'], ['y'])] }, code: 'unsupported', message: /Slice#2\.starts \("r"\) is known only at run time/ },
  'Unsqueeze without axes': { parts: { nodes: [node('Unsqueeze', ['x'], ['y'])] }, code: 'invalid-model', message: /Unsqueeze#0\.axes \(\[\]\) must name at least one axis/ },
  'Unsqueeze repeated axis': { parts: { nodes: [node('Unsqueeze', ['x', 'a'], ['y'])], initializers: [int64TensorProto('a', [2], [0, 0])] }, code: 'invalid-model', message: /Unsqueeze#0\.axes \(\[0, 0\]\) repeats an axis/ },
  'Squeeze a real axis': { parts: { nodes: [node('Squeeze', ['x', 'a'], ['y'])], initializers: [int64TensorProto('a', [1], [1])] }, code: 'invalid-model', message: /Squeeze#0\.axes \(\[1\]\) names axis 1 of size 2, but only axes of size 1 can be squeezed/ },
  'ConstantOfShape computed shape': { parts: { nodes: [node('Relu', ['x'], ['r']), node('ConstantOfShape', ['r'], ['y'])] }, code: 'unsupported', message: /ConstantOfShape#1\.input \("r"\) is known only at run time/ },
  'ConstantOfShape negative size': { parts: { nodes: [node('ConstantOfShape', ['s'], ['y'])], initializers: [int64TensorProto('s', [2], [2, -1])] }, code: 'invalid-model', message: /ConstantOfShape#0\.input \(\[2, -1\]\) has -1 on axis 1; sizes are non-negative integers/ },
  'ConstantOfShape giant': { parts: { nodes: [node('ConstantOfShape', ['s'], ['y'])], initializers: [int64TensorProto('s', [2], [100000, 100000])] }, code: 'invalid-model', message: /ConstantOfShape#0\.input \(\[100000, 100000\]\) is larger than tconv's tensor limit/ },
  'Cast to string': { parts: { nodes: [node('Cast', ['x'], ['y'], [int('to', 8)])] }, code: 'unsupported', message: /Cast#0\.to \("STRING"\) is a Cast setting tconv does not implement; cast to a float or integer type/ },
  'Resize aspect policy with scales': { parts: { nodes: [node('Resize', ['x', '', 's'], ['y'], [str('keep_aspect_ratio_policy', 'not_larger')])], initializers: [floats('s', [4], [1, 1, 2, 2])], opset: 18 }, code: 'unsupported', message: /keep_aspect_ratio_policy \("not_larger"\) is a Resize setting tconv does not implement; the policy applies to sizes only/ },
  'Resize-10 nearest downscale': { parts: { nodes: [node('Resize', ['x', 's'], ['y'])], initializers: [floats('s', [4], [1, 1, 0.5, 0.5])], opset: 10 }, code: 'unsupported', message: /Resize#0\.scales \(\[1, 1, 0\.5, 0\.5\]\) .* nearest downscaling before opset 11 rounds differently in runtimes/ },
  'Cast to bfloat16': { parts: { nodes: [node('Cast', ['x'], ['y'], [int('to', 16)])] }, code: 'unsupported', message: /Cast#0\.to \("BFLOAT16"\) .* runtimes round to bfloat16 differently/ },
  'Dropout in training mode': { parts: { nodes: [node('Dropout', ['x', 'r', 't'], ['y'])], initializers: [floats('r', [], [0.5]), { name: 't', dims: [], data_type: 9, int32_data: [1] }] }, code: 'unsupported', message: /Dropout#0\.training_mode \(true\) asks for training-mode dropout \(random\), which tconv does not run; export the model in eval mode/ },
  'Softmax of integers': { parts: { nodes: [node('Cast', ['x'], ['i'], [int('to', 7)]), node('Softmax', ['i'], ['y'])] }, code: 'unsupported', message: /Softmax#1\.input \(7\) is a Softmax setting tconv does not implement; Softmax takes floating-point tensors/ },
  'Sqrt of integers': { parts: { nodes: [node('Cast', ['x'], ['i'], [int('to', 6)]), node('Sqrt', ['i'], ['y'])] }, code: 'unsupported', message: /Sqrt#1\.input \("INT32"\) is an element type Sqrt does not take/ },
  'MaxPool kernel': { parts: { nodes: [node('MaxPool', ['x'], ['y'], [ints('kernel_shape', [2])])] }, code: 'invalid-model', message: /MaxPool#0\.kernel_shape \(\[2\]\) must give a positive size for each of the 2 spatial axes/ },
  'AveragePool dilations': { parts: { nodes: [node('AveragePool', ['x'], ['y'], [ints('kernel_shape', [2, 2]), ints('dilations', [2, 2])])], opset: 19 }, code: 'unsupported', message: /AveragePool#0\.dilations \(\[2, 2\]\) is a AveragePool setting tconv does not implement/ },
  'Split sizes': { parts: { nodes: [node('Split', ['x', 's'], ['y', 'z'], [int('axis', 1)])], initializers: [int64TensorProto('s', [2], [1, 2])] }, code: 'invalid-model', message: /Split#0\.split \(\[1, 2\]\) must be non-negative sizes adding up to axis 1's 2/ },
  'Tile repeats': { parts: { nodes: [node('Tile', ['x', 'r'], ['y'])], initializers: [int64TensorProto('r', [2], [1, 2])] }, code: 'invalid-model', message: /Tile#0\.repeats \(\[1, 2\]\) must hold one count per axis of the input \(4\)/ },
  'Expand shape': { parts: { nodes: [node('Expand', ['x', 's'], ['y'])], initializers: [int64TensorProto('s', [2], [3, 4])] }, code: 'invalid-model', message: /Expand#0\.inputs \(\[\[1, 2, 4, 4\], \[3, 4\]\]\) have shapes that do not broadcast \(axis 2: 4 vs 3\)/ },
  'legacy Add without broadcast': { parts: { nodes: [node('Add', ['x', 'c'], ['y'])], initializers: [floats('c', [4], [1, 2, 3, 4])], opset: 6 }, code: 'invalid-model', message: /Add#0\.inputs \(\[\[1, 2, 4, 4\], \[4\]\]\) must have equal shapes when broadcast is 0 \(before opset 7\)/ },
  'InstanceNorm rank': { parts: { nodes: [node('InstanceNormalization', ['x', 'g', 'g'], ['y'])], initializers: [floats('g', [2], [1, 1])], ...x([2, 2]) }, code: 'invalid-model', message: /InstanceNormalization#0\.input \(\[2, 2\]\) must be N, C and spatial axes/ },
  'InstanceNorm scale': { parts: { nodes: [node('InstanceNormalization', ['x', 'g', 'g'], ['y'])], initializers: [floats('g', [3], [1, 1, 1])] }, code: 'invalid-model', message: /InstanceNormalization#0\.input\[1\] \(\[3\]\) must hold one value per channel \(2\)/ },
};

for (const [name, row] of Object.entries(ROWS)) {
  test(`refused: ${name}`, () => {
    assert.throws(() => inferShapes(readModel(buildModel(row.parts))), (error: { code?: string; message?: string }) => {
      assert.equal(error.code, row.code, error.message);
      assert.match(error.message ?? '', row.message);
      return true;
    });
  });
}

test('run-time input errors: data that does not fill its shape, and an input without a declared shape', () => {
  const model = readModel(buildModel({ nodes: [node('Relu', ['x'], ['y'])] }));
  assert.throws(() => runModel(model, { x: { shape: [1, 2, 4, 4], data: new Float32Array(3) } }), { code: 'usage', message: /input "x" \("3 values"\) does not fill its shape \[1, 2, 4, 4\]/ });
  const shapeless = readModel(buildModel({ nodes: [node('Relu', ['x'], ['y'])], inputs: [{ name: 'x', shape: undefined as never }] }));
  assert.throws(() => inferShapes(shapeless), { code: 'usage', message: /input "x" \(null\) has no declared shape; give the input tensor \(or its shape\) explicitly/ });
  assert.deepEqual(runModel(shapeless, { x: { shape: [3], data: Float32Array.from([-1, 0, 2]) } }).get('y')!.data, Float32Array.from([0, 0, 2]));
});

test('.npy refusals: version, truncated header, header fields, element type, Fortran order, shape text', () => {
  const good = writeNpy({ shape: [2], data: Float32Array.from([1, 2]) });
  const withHeader = (edit: (h: string) => string): Uint8Array => {
    const header = edit(new TextDecoder().decode(good.subarray(10, 74)));
    return Uint8Array.from([...good.subarray(0, 10), ...new TextEncoder().encode(header), ...good.subarray(74)]);
  };
  const version = Uint8Array.from(good);
  version[6] = 9;
  assert.throws(() => readNpy(version), { message: /\.npy \(9\) has format version 9, not 1, 2 or 3/ });
  assert.throws(() => readNpy(good.subarray(0, 40)), { message: /has a header longer than the file \(truncated\)/ });
  assert.throws(() => readNpy(withHeader((h) => h.replace("'descr'", "'kind' "))), { message: /has a header without descr, fortran_order and shape/ });
  assert.throws(() => readNpy(withHeader((h) => h.replace('<f4', '<c8'))), { message: /\.npy \("<c8"\) holds elements of type <c8, which tconv does not read/ });
  assert.throws(() => readNpy(withHeader((h) => h.replace('False', 'True '))), { message: /is in Fortran \(column-major\) order/ });
  assert.throws(() => readNpy(withHeader((h) => h.replace('(2,)', '(a,)'))), { message: /\.npy \("a,"\) has a shape that is not a list of sizes/ });
});
