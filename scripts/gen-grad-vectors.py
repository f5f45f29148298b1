#!/usr/bin/python3
"""Generates the PyTorch autograd gradient vectors in test/fixtures/gradients/*.json: conv-gradients.json
(convolutions, in the conformance format) and norm-gradients.json (BatchNorm in training and eval mode, GroupNorm,
InstanceNorm, LayerNorm; read by test/train/normalization.test.ts).

Run with Debian's python3-torch:  /usr/bin/python3 scripts/gen-grad-vectors.py
torch is needed only here; the JSON files are committed and the tests read them without torch.

Format: the conformance vector format of ../shared/README.md with the gradient fields: each case carries
"gradOutputs": {"Y"} (the upstream gradient) and "expectedGradients": {"X", "W", "B"?}, the gradients PyTorch's
autograd computes for sum(Y * gradY). Attributes in ONNX naming, as scripts/gen-pytorch-vectors.py writes them.

X, W, B and gradY are drawn by torch and rounded to float32; Y and the gradients are computed by torch in float64 from
exactly those float32 values, then rounded to float32 (PyTorch's semantics without float32 summation-order noise).
Sizes are kept small so the file stays well under 300 kB.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'gradients')
SCRIPT = 'scripts/gen-grad-vectors.py'

FUNCTIONAL = {('ConvTranspose', 1): F.conv_transpose1d, ('ConvTranspose', 2): F.conv_transpose2d,
              ('ConvTranspose', 3): F.conv_transpose3d, ('Conv', 1): F.conv1d, ('Conv', 2): F.conv2d, ('Conv', 3): F.conv3d}


def per_axis(value, rank):
    return list(value) if isinstance(value, (list, tuple)) else [value] * rank


def number(v):
    # 9 significant digits round-trip a float32.
    return float('%.9g' % v)


def tensor_json(t):
    return {'shape': list(t.shape), 'data': [number(v) for v in t.detach().float().reshape(-1).tolist()]}


def case(name, op, rank, batch, cin, cout, size, kernel, stride=1, padding=0, dilation=1, groups=1,
         output_padding=0, bias=True, seed=0):
    torch.manual_seed(seed)
    kernel = per_axis(kernel, rank)
    w_shape = [cin, cout // groups, *kernel] if op == 'ConvTranspose' else [cout, cin // groups, *kernel]
    x = torch.randn(batch, cin, *per_axis(size, rank)).float()
    w = (torch.randn(*w_shape) * 0.3).float()
    b = torch.randn(cout).float() if bias else None
    xd = x.double().requires_grad_()
    wd = w.double().requires_grad_()
    bd = b.double().requires_grad_() if bias else None
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    if op == 'ConvTranspose':
        kwargs['output_padding'] = output_padding
    y = FUNCTIONAL[(op, rank)](xd, wd, bd, **kwargs)
    gy = torch.randn(*y.shape).float()
    (y * gy.double()).sum().backward()
    attrs = {
        'kernel_shape': kernel, 'strides': per_axis(stride, rank), 'pads': per_axis(padding, rank) * 2,
        'dilations': per_axis(dilation, rank), 'group': groups,
    }
    if op == 'ConvTranspose':
        attrs['output_padding'] = per_axis(output_padding, rank)
    inputs = {'X': tensor_json(x), 'W': tensor_json(w)}
    grads = {'X': tensor_json(xd.grad), 'W': tensor_json(wd.grad)}
    if bias:
        inputs['B'] = tensor_json(b)
        grads['B'] = tensor_json(bd.grad)
    return {
        'name': name, 'op': op, 'attributes': attrs, 'inputs': inputs, 'outputs': {'Y': tensor_json(y)},
        'gradOutputs': {'Y': tensor_json(gy)}, 'expectedGradients': grads,
    }


def cases():
    T, C = 'ConvTranspose', 'Conv'
    return [
        case('grad_convtranspose1d_k3_s2_p1_op1', T, 1, 1, 2, 3, 7, 3, stride=2, padding=1, output_padding=1, seed=1),
        case('grad_convtranspose1d_k_below_s_batch2', T, 1, 2, 1, 2, 5, 2, stride=3, seed=2),
        case('grad_convtranspose1d_dilation3_s1_op2', T, 1, 1, 2, 2, 5, 3, stride=1, dilation=3, output_padding=2, seed=3),
        case('grad_convtranspose1d_groups2_batch3_nobias', T, 1, 3, 4, 6, 9, 5, stride=3, padding=2, groups=2, bias=False, seed=4),
        case('grad_convtranspose2d_k4_s2_p1', T, 2, 1, 3, 2, (5, 4), 4, stride=2, padding=1, seed=5),
        case('grad_convtranspose2d_k3_s2_p1_op1_batch2', T, 2, 2, 2, 3, (4, 5), 3, stride=2, padding=1, output_padding=1, seed=6),
        case('grad_convtranspose2d_per_axis_all', T, 2, 1, 2, 3, (5, 4), (3, 2), stride=(2, 3), padding=(1, 0),
             dilation=(1, 2), output_padding=(1, 2), seed=7),
        case('grad_convtranspose2d_groups3_dilation_nobias', T, 2, 2, 6, 3, (3, 4), (3, 2), stride=2, dilation=(2, 1),
             groups=3, bias=False, seed=8),
        case('grad_convtranspose2d_depthwise', T, 2, 1, 4, 4, (5, 5), 3, stride=2, padding=1, output_padding=1, groups=4, seed=9),
        case('grad_convtranspose3d_k3_s2_p1_op1', T, 3, 1, 2, 2, (3, 2, 3), 3, stride=2, padding=1, output_padding=1, seed=10),
        case('grad_convtranspose3d_groups2_per_axis_batch2', T, 3, 2, 4, 2, (2, 2, 3), (2, 3, 2), stride=(1, 2, 3),
             padding=(0, 1, 1), dilation=(1, 2, 1), groups=2, seed=11),
        case('grad_convtranspose3d_k2_s2_nobias', T, 3, 1, 2, 2, (2, 3, 2), 2, stride=2, bias=False, seed=12),
        case('grad_conv1d_s2_d2_groups2_batch2', C, 1, 2, 4, 6, 11, 3, stride=2, dilation=2, groups=2, padding=2, seed=21),
        case('grad_conv1d_s3_uneven_end', C, 1, 1, 2, 2, 10, 3, stride=3, padding=1, seed=22),
        case('grad_conv2d_k3_s2_p1_batch2', C, 2, 2, 3, 2, (7, 6), 3, stride=2, padding=1, seed=23),
        case('grad_conv2d_per_axis_all_nobias', C, 2, 1, 2, 3, (9, 7), (3, 2), stride=(3, 1), padding=(2, 1),
             dilation=(2, 3), bias=False, seed=24),
        case('grad_conv2d_depthwise', C, 2, 1, 4, 4, (6, 5), 3, padding=1, groups=4, seed=25),
        case('grad_conv3d_s2_groups2_per_axis', C, 3, 2, 2, 4, (4, 3, 5), (3, 2, 3), stride=(2, 1, 2), padding=(1, 0, 1),
             dilation=(1, 2, 1), groups=2, seed=26),
    ]


def norm_case(name, kind, shape, seed, groups=None, normalized=None, training=True, eps=1e-5, momentum=0.1):
    """One normalisation layer: X, gamma, beta (and running statistics for BatchNorm) drawn as float32, the forward
    and the gradients of sum(Y * gradY) in float64 by torch.nn modules, rounded to float32."""
    torch.manual_seed(seed)
    x = torch.randn(*shape).float() * 1.5 + 0.5
    channels = shape[1]
    param_shape = list(normalized) if kind == 'layer' else [channels]
    gamma = (torch.rand(*param_shape) + 0.5).float()
    beta = torch.randn(*param_shape).float()
    if kind == 'batch':
        module = torch.nn.BatchNorm1d if len(shape) <= 3 else torch.nn.BatchNorm2d if len(shape) == 4 else torch.nn.BatchNorm3d
        m = module(channels, eps=eps, momentum=momentum)
        running_mean = (torch.randn(channels) * 0.2).float()
        running_var = (torch.rand(channels) + 0.5).float()
        m.running_mean.copy_(running_mean)
        m.running_var.copy_(running_var)
        m.train(training)
    elif kind == 'group':
        m = torch.nn.GroupNorm(groups, channels, eps=eps)
    elif kind == 'instance':
        module = torch.nn.InstanceNorm1d if len(shape) == 3 else torch.nn.InstanceNorm2d if len(shape) == 4 else torch.nn.InstanceNorm3d
        m = module(channels, eps=eps, affine=True)
    else:
        m = torch.nn.LayerNorm(list(normalized), eps=eps)
    m = m.double()
    with torch.no_grad():
        m.weight.copy_(gamma.double())
        m.bias.copy_(beta.double())
    xd = x.double().requires_grad_()
    y = m(xd)
    gy = torch.randn(*y.shape).float()
    (y * gy.double()).sum().backward()
    result = {
        'name': name, 'kind': kind, 'eps': eps,
        'inputs': {'X': tensor_json(x), 'weight': tensor_json(gamma), 'bias': tensor_json(beta)},
        'outputs': {'Y': tensor_json(y)},
        'gradOutputs': {'Y': tensor_json(gy)},
        'expectedGradients': {'X': tensor_json(xd.grad), 'weight': tensor_json(m.weight.grad), 'bias': tensor_json(m.bias.grad)},
    }
    if kind == 'batch':
        result.update(training=training, momentum=momentum)
        result['inputs'].update(runningMean=tensor_json(running_mean), runningVar=tensor_json(running_var))
        result['outputs'].update(runningMean=tensor_json(m.running_mean), runningVar=tensor_json(m.running_var))
    if kind == 'group':
        result['groups'] = groups
    if kind == 'layer':
        result['normalizedShape'] = list(normalized)
    return result


def norm_cases():
    return [
        norm_case('batchnorm2d_training', 'batch', (3, 4, 3, 5), seed=31),
        norm_case('batchnorm2d_eval', 'batch', (2, 3, 4, 3), seed=32, training=False),
        norm_case('batchnorm1d_training_batch_only', 'batch', (5, 3), seed=33, momentum=0.3),
        norm_case('batchnorm3d_training', 'batch', (2, 2, 2, 3, 2), seed=34, eps=1e-3),
        norm_case('groupnorm2d_g2', 'group', (2, 6, 3, 4), seed=35, groups=2),
        norm_case('groupnorm1d_g1', 'group', (3, 4, 7), seed=36, groups=1),
        norm_case('instancenorm2d_affine', 'instance', (2, 3, 4, 5), seed=37),
        norm_case('instancenorm3d_affine', 'instance', (1, 2, 3, 2, 3), seed=38),
        norm_case('layernorm_chw', 'layer', (2, 3, 4, 4), seed=39, normalized=(3, 4, 4)),
        norm_case('layernorm_last_axis', 'layer', (2, 3, 5), seed=40, normalized=(5,)),
    ]


def write(document, name):
    path = os.path.join(OUT_DIR, name)
    with open(path, 'w') as f:
        json.dump(document, f, separators=(',', ':'))
        f.write('\n')
    print(f'{path}: {len(document["cases"])} cases, {os.path.getsize(path)} bytes')


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.set_num_threads(1)
    document = {
        'generated': f'by {SCRIPT}; do not edit, re-run the script',
        'generator': SCRIPT,
        'torch': torch.__version__,
        'source': 'PyTorch autograd of torch.nn.functional convolutions (Debian python3-torch)',
        'layout': 'NC[D]HW; ConvTranspose W is (C_in, C_out/group, k...), Conv W is (C_out, C_in/group, k...); attributes in ONNX naming',
        'precision': 'X, W, B, gradY float32; Y and the gradients of sum(Y * gradY) computed by torch in float64, rounded to float32',
        'cases': cases(),
    }
    write(document, 'conv-gradients.json')
    write({
        'generated': f'by {SCRIPT}; do not edit, re-run the script',
        'generator': SCRIPT,
        'torch': torch.__version__,
        'source': 'PyTorch autograd of torch.nn BatchNorm (training and eval), GroupNorm, InstanceNorm (affine), LayerNorm',
        'layout': 'NC[D]HW; weight and bias per channel (LayerNorm: the normalized shape); BatchNorm running statistics '
                  'in inputs (before) and outputs (after the forward)',
        'precision': 'X, weight, bias, running statistics and gradY float32; Y, the running statistics after and the '
                     'gradients of sum(Y * gradY) computed by torch in float64, rounded to float32',
        'cases': norm_cases(),
    }, 'norm-gradients.json')


if __name__ == '__main__':
    sys.exit(main())
