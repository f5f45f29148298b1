#!/usr/bin/python3
"""Generates the PyTorch golden vectors in test/fixtures/pytorch/*.json.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/gen-pytorch-vectors.py
torch is needed only here; the JSON files are committed and the tests read them without torch.

Format: the conformance vector format of ../shared/README.md ({"cases": [{"name", "op", "attributes", "inputs":
{"X", "W", "B"?}, "outputs": {"Y"}}]}), attributes in ONNX naming (kernel_shape, strides, pads = begin values then
end values, dilations, group, output_padding). Failure cases carry "expect": "failure" and torch's own error text.

Inputs are drawn by torch (randn for X, the layers' default init for W and B) and rounded to float32; Y is computed
by torch in float64 from exactly those float32 values, then rounded to float32, so the vectors hold PyTorch's
semantics without its float32 summation-order noise.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'pytorch')
SCRIPT = 'scripts/gen-pytorch-vectors.py'

TRANSPOSED = {1: (torch.nn.ConvTranspose1d, F.conv_transpose1d), 2: (torch.nn.ConvTranspose2d, F.conv_transpose2d),
              3: (torch.nn.ConvTranspose3d, F.conv_transpose3d)}
CONV = {1: (torch.nn.Conv1d, F.conv1d), 2: (torch.nn.Conv2d, F.conv2d), 3: (torch.nn.Conv3d, F.conv3d)}


def per_axis(value, rank):
    return list(value) if isinstance(value, (list, tuple)) else [value] * rank


def number(v):
    # 9 significant digits round-trip a float32; the shortest repr of that keeps files small.
    return float('%.9g' % v)


def tensor_json(t):
    return {'shape': list(t.shape), 'data': [number(v) for v in t.detach().reshape(-1).tolist()]}


def onnx_attributes(op, rank, kernel, stride, padding, dilation, groups, output_padding=None):
    attrs = {
        'kernel_shape': per_axis(kernel, rank),
        'strides': per_axis(stride, rank),
        'pads': per_axis(padding, rank) * 2,
        'dilations': per_axis(dilation, rank),
        'group': groups,
    }
    if op == 'ConvTranspose':
        attrs['output_padding'] = per_axis(output_padding or 0, rank)
    return attrs


def case(name, op, rank, batch, cin, cout, size, kernel, stride=1, padding=0, dilation=1, groups=1,
         output_padding=0, bias=True, seed=0):
    """One success case: torch builds the layer (default init), draws X, and computes Y in float64."""
    torch.manual_seed(seed)
    module_class, functional = (TRANSPOSED if op == 'ConvTranspose' else CONV)[rank]
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, bias=bias)
    if op == 'ConvTranspose':
        kwargs['output_padding'] = output_padding
    layer = module_class(cin, cout, kernel, **kwargs)
    x = torch.randn(batch, cin, *per_axis(size, rank))
    w = layer.weight.detach().float()
    b = layer.bias.detach().float() if bias else None
    fkwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    if op == 'ConvTranspose':
        fkwargs['output_padding'] = output_padding
    y = functional(x.double(), w.double(), None if b is None else b.double(), **fkwargs).float()
    # The module in float32 must agree (a check of this script, not part of the vector).
    y32 = layer(x)
    assert torch.allclose(y, y32, rtol=1e-4, atol=1e-5), name
    inputs = {'X': tensor_json(x), 'W': tensor_json(w)}
    if b is not None:
        inputs['B'] = tensor_json(b)
    return {
        'name': name, 'op': op,
        'attributes': onnx_attributes(op, rank, kernel, stride, padding, dilation, groups, output_padding),
        'inputs': inputs, 'outputs': {'Y': tensor_json(y)},
    }


def failure(name, op, rank, x_shape, w_shape, stride=1, padding=0, dilation=1, groups=1, output_padding=0, seed=0):
    """A case torch refuses: record its error text; tconv must refuse it too."""
    torch.manual_seed(seed)
    functional = (TRANSPOSED if op == 'ConvTranspose' else CONV)[rank][1]
    x = torch.randn(*x_shape)
    w = torch.randn(*w_shape)
    fkwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    if op == 'ConvTranspose':
        fkwargs['output_padding'] = output_padding
    try:
        functional(x, w, None, **fkwargs)
    except RuntimeError as error:
        message = str(error).strip().splitlines()[0]
    else:
        raise SystemExit(f'{name}: torch accepted a case meant to fail')
    return {
        'name': name, 'op': op,
        'attributes': onnx_attributes(op, rank, list(w_shape[2:]), stride, padding, dilation, groups, output_padding),
        'inputs': {'X': tensor_json(x), 'W': tensor_json(w)},
        'expect': 'failure', 'error': message,
    }


def conv_transpose_cases():
    T = 'ConvTranspose'
    return [
        case('convtranspose1d_k3_s2_p1_op1', T, 1, 1, 2, 3, 7, 3, stride=2, padding=1, output_padding=1, seed=1),
        case('convtranspose1d_k_below_s', T, 1, 2, 1, 2, 5, 2, stride=3, seed=2),
        case('convtranspose1d_k_equals_s', T, 1, 1, 3, 2, 6, 4, stride=4, padding=1, seed=3),
        case('convtranspose1d_dilation2_s2_op1', T, 1, 1, 2, 2, 6, 3, stride=2, dilation=2, output_padding=1, seed=4),
        case('convtranspose1d_dilation3_s1_op2', T, 1, 1, 1, 2, 5, 3, stride=1, dilation=3, output_padding=2, seed=5),
        case('convtranspose1d_groups2_batch3_odd', T, 1, 3, 4, 6, 11, 5, stride=3, padding=2, groups=2, seed=6),
        case('convtranspose1d_hifigan_like', T, 1, 1, 8, 4, 13, 16, stride=8, padding=4, seed=7),
        case('convtranspose2d_seed_article_k7_s2_p3', T, 2, 1, 3, 2, (13, 11), 7, stride=2, padding=3, seed=8),
        case('convtranspose2d_k3_s1_p1', T, 2, 1, 2, 2, (5, 7), 3, stride=1, padding=1, seed=9),
        case('convtranspose2d_dcgan_k4_s2_p1_batch2_nobias', T, 2, 2, 8, 4, (6, 5), 4, stride=2, padding=1, bias=False, seed=10),
        case('convtranspose2d_per_axis_all', T, 2, 1, 2, 3, (5, 4), (3, 2), stride=(2, 3), padding=(1, 0),
             dilation=(1, 2), output_padding=(1, 2), seed=11),
        case('convtranspose2d_groups3_dilation', T, 2, 2, 6, 9, (4, 5), (3, 2), stride=2, dilation=(2, 1), groups=3, seed=12),
        case('convtranspose2d_depthwise', T, 2, 1, 4, 4, (7, 7), 3, stride=2, padding=1, output_padding=1, groups=4, seed=13),
        case('convtranspose2d_k5_s3_p2_odd', T, 2, 1, 3, 2, (5, 7), 5, stride=3, padding=2, output_padding=2, seed=14),
        case('convtranspose2d_padding_beyond_kernel', T, 2, 1, 2, 2, (9, 8), 3, stride=2, padding=4, seed=15),
        case('convtranspose2d_1x1_s2', T, 2, 1, 3, 2, (4, 3), 1, stride=2, output_padding=1, seed=16),
        case('convtranspose3d_k3_s2_p1_op1', T, 3, 1, 2, 2, (3, 4, 5), 3, stride=2, padding=1, output_padding=1, seed=17),
        case('convtranspose3d_groups2_per_axis_batch2', T, 3, 2, 4, 2, (3, 2, 3), (2, 3, 2), stride=(1, 2, 3),
             padding=(0, 1, 1), dilation=(1, 2, 1), groups=2, seed=18),
        case('convtranspose3d_unet_k2_s2_nobias', T, 3, 1, 4, 2, (3, 3, 2), 2, stride=2, bias=False, seed=19),
        case('convtranspose3d_dilation2_s2', T, 3, 1, 1, 2, (2, 3, 3), 2, stride=2, dilation=2, output_padding=(1, 0, 1), seed=20),
    ]


def conv_cases():
    C = 'Conv'
    return [
        case('conv1d_k3_p1', C, 1, 1, 2, 3, 9, 3, padding=1, seed=31),
        case('conv1d_s2_d2_groups2_batch2', C, 1, 2, 4, 6, 13, 3, stride=2, dilation=2, groups=2, padding=2, seed=32),
        case('conv1d_k_equals_input', C, 1, 1, 3, 2, 5, 5, seed=33),
        case('conv2d_k3_s2_p1_batch2', C, 2, 2, 3, 4, (9, 8), 3, stride=2, padding=1, seed=34),
        case('conv2d_per_axis_all', C, 2, 1, 2, 3, (11, 7), (3, 2), stride=(3, 1), padding=(2, 1), dilation=(2, 3), seed=35),
        case('conv2d_depthwise_nobias', C, 2, 1, 4, 8, (6, 6), 3, padding=1, groups=4, bias=False, seed=36),
        case('conv2d_k4_s4_patchify', C, 2, 1, 3, 2, (8, 12), 4, stride=4, seed=37),
        case('conv3d_k3_p1', C, 3, 1, 2, 2, (4, 3, 5), 3, padding=1, seed=38),
        case('conv3d_s2_groups2_per_axis', C, 3, 2, 2, 4, (5, 4, 6), (3, 2, 3), stride=(2, 1, 2), padding=(1, 0, 1),
             dilation=(1, 2, 1), groups=2, seed=39),
    ]


def failure_cases():
    T, C = 'ConvTranspose', 'Conv'
    return [
        failure('convtranspose2d_output_padding_not_below_stride', T, 2, (1, 2, 4, 4), (2, 2, 3, 3), stride=2, output_padding=2),
        failure('convtranspose2d_weight_channels_mismatch', T, 2, (1, 4, 4, 4), (3, 2, 3, 3)),
        failure('convtranspose1d_output_too_small', T, 1, (1, 1, 2), (1, 1, 3), padding=3),
        failure('conv2d_kernel_larger_than_padded_input', C, 2, (1, 1, 3, 3), (1, 1, 5, 5)),
        failure('conv2d_groups_do_not_divide_channels', C, 2, (1, 3, 5, 5), (2, 1, 3, 3), groups=2),
    ]


def write(file_name, cases):
    document = {
        'generated': f'by {SCRIPT}; do not edit, re-run the script',
        'generator': SCRIPT,
        'torch': torch.__version__,
        'source': 'PyTorch torch.nn / torch.nn.functional convolutions (Debian python3-torch)',
        'layout': 'NC[D]HW; ConvTranspose W is (C_in, C_out/group, k...), Conv W is (C_out, C_in/group, k...); attributes in ONNX naming',
        'precision': 'X, W, B float32; Y computed by torch in float64 from those values, rounded to float32',
        'cases': cases,
    }
    path = os.path.join(OUT_DIR, file_name)
    with open(path, 'w') as f:
        json.dump(document, f, separators=(',', ':'))
        f.write('\n')
    print(f'{path}: {len(cases)} cases, {os.path.getsize(path)} bytes')


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.set_num_threads(1)
    write('convtranspose.json', conv_transpose_cases())
    write('conv.json', conv_cases())
    write('failures.json', failure_cases())


if __name__ == '__main__':
    sys.exit(main())
