#!/usr/bin/python3
"""PyTorch peer of `npm run bench -- --backward` (bench/backward.ts): a child process reading one JSON request per
line on stdin and answering one JSON line on stdout.

Requests:
  {"op": "layer", "rank", "n", "cin", "cout", "input", "kernel", "stride", "padding", "outputPadding", "dilation",
   "groups", "x", "w", "gy" (base64 float32, NC[D]HW / PyTorch layouts), "minTime", "threads"}
    → {"dx", "dw" (base64 float32 results, checked by the parent), "dxMs", "dwMs" (median ms per call), and the same
       as "dxDirect", "dwDirect", "dxDirectMs", "dwDirectMs" for PyTorch's fastest path here: F.convNd of gradY (∂X) and
       the channels-as-batch convolution of gradY with X (∂W, groups = 1 only; "dwDirect" is null otherwise).
  {"op": "step", "channels", "stages", "images", "minTime", "threads"}
    → {"stepMs"}: one Adam step of the demo's convT-k4 decoder with learned latent codes (forward, MSE, backward, update)
The gradients are those autograd computes, called directly: aten::convolution_backward with one output mask each.
Debian's torch 1.13 is built with BLAS_INFO=generic: its transposed-convolution paths (GEMM + col2im, also in the
backward) run on the BLAS installed (here the reference libblas3 unless OpenBLAS is), while F.convNd uses MKL-DNN.
So both are timed: what autograd calls, and the fastest formulation PyTorch offers here.
"""
import base64
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def tensor(text, shape):
    return torch.frombuffer(bytearray(base64.b64decode(text)), dtype=torch.float32).reshape(shape).clone()


def encode(t):
    return base64.b64encode(t.detach().float().contiguous().numpy().tobytes()).decode("ascii")


def median_ms(call, min_time):
    for _ in range(2):
        call()
    times = []
    spent = 0.0
    while spent < min_time or len(times) < 3:
        start = time.perf_counter()
        call()
        elapsed = time.perf_counter() - start
        times.append(elapsed * 1000)
        spent += elapsed
    return statistics.median(times)


def layer(r):
    rank = r['rank']
    x = tensor(r['x'], [r['n'], r['cin'], *r['input']])
    w = tensor(r['w'], [r['cin'], r['cout'] // r['groups'], *r['kernel']])
    y_shape = [r['n'], r['cout'], *r['output']]
    gy = tensor(r['gy'], y_shape)
    args = dict(bias_sizes=None, stride=r['stride'], padding=r['padding'], dilation=r['dilation'], transposed=True,
                output_padding=r['outputPadding'], groups=r['groups'])

    def grads(mask):
        return torch.ops.aten.convolution_backward(gy, x, w, args['bias_sizes'], args['stride'], args['padding'],
                                                   args['dilation'], True, args['output_padding'], args['groups'], mask)

    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[rank]
    kernel = r['kernel']
    input_size = r['input']

    def dx_direct():
        # ∂X of a transposed conv = the strided conv of ∂Y with the same weight (output padding < stride here).
        return conv(gy, w, None, r['stride'], r['padding'], r['dilation'], r['groups'])

    def dw_direct():
        # ∂W[ci, co, k] = Σ_n Σ_i x[n, ci, i]·gy[n, co, i·s + k·d − p]: channels as batch, x as the kernel, dilated by s.
        out = conv(gy.transpose(0, 1), x.transpose(0, 1), None, r['dilation'], r['padding'], r['stride'])
        index = (slice(None), slice(None), *[slice(0, k) for k in kernel])
        return out[index].transpose(0, 1)

    with torch.no_grad():
        dx = grads([True, False, False])[0]
        dw = grads([False, True, False])[1]
        dx_ms = median_ms(lambda: grads([True, False, False]), r['minTime'])
        dw_ms = median_ms(lambda: grads([False, True, False]), r['minTime'])
        answer = {'dx': encode(dx), 'dw': encode(dw), 'dxMs': dx_ms, 'dwMs': dw_ms, 'rank': rank}
        dxd = dx_direct()
        ok = list(dxd.shape[2:]) == list(input_size)
        answer['dxDirect'] = encode(dxd) if ok else None
        answer['dxDirectMs'] = median_ms(dx_direct, r['minTime']) if ok else None
        if r['groups'] == 1:
            answer['dwDirect'] = encode(dw_direct())
            answer['dwDirectMs'] = median_ms(dw_direct, r['minTime'])
        else:
            answer['dwDirect'] = None
            answer['dwDirectMs'] = None
    return answer


def step(r):
    torch.manual_seed(1)
    c = r['channels']
    layers = []
    for s in range(r['stages']):
        last = s == r['stages'] - 1
        layers.append(torch.nn.ConvTranspose2d(c, 1 if last else c, 4, stride=2, padding=1))
        if not last:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    latent = torch.nn.Parameter(torch.randn(r['images'], c, 4, 4))
    target = torch.rand(r['images'], 1, 4 * 2 ** r['stages'], 4 * 2 ** r['stages'])
    opt = torch.optim.Adam([*net.parameters(), latent], lr=0.01)

    def one():
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(latent), target)
        loss.backward()
        opt.step()

    return {'stepMs': median_ms(one, r['minTime'])}


def main():
    print(json.dumps({'ready': True, 'torch': torch.__version__}), flush=True)
    for line in sys.stdin:
        r = json.loads(line)
        torch.set_num_threads(r.get('threads', 1))
        try:
            answer = layer(r) if r['op'] == 'layer' else step(r)
        except Exception as error:  # reported to the parent, which prints it as the cell's reason
            answer = {'error': f'{type(error).__name__}: {error}'}
        print(json.dumps(answer), flush=True)


if __name__ == '__main__':
    main()
