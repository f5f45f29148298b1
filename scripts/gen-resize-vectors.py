#!/usr/bin/env python3
"""Golden vectors for tconv's resize (nearest / bilinear, align_corners=False) and pixel shuffle, from PyTorch.

Run with Debian's python3-torch:  python3 scripts/gen-resize-vectors.py > test/analysis/fixtures/resize-pixel-shuffle.json
Inputs are sin(1.3·i) so the file needs no random generator; 1D, 2D and 3D cases.
"""
import json
import math

import torch
import torch.nn.functional as F


def ramp(shape):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([math.sin(1.3 * i) for i in range(n)], dtype=torch.float32).reshape(shape)


def entry(name, op, x, y, **kw):
    return {"name": name, "op": op, **kw, "input": {"shape": list(x.shape), "data": x.flatten().tolist()},
            "output": {"shape": list(y.shape), "data": y.flatten().tolist()}}


cases = []
for shape, scale in [((1, 2, 5), (3,)), ((2, 3, 3, 4), (2, 3)), ((1, 1, 2, 3, 2), (2, 1, 3))]:
    x = ramp(shape)
    modes = {3: "linear", 4: "bilinear", 5: "trilinear"}
    cases.append(entry(f"nearest {shape} x{scale}", "resize", x, F.interpolate(x, scale_factor=scale, mode="nearest"), mode="nearest", scale=list(scale)))
    cases.append(entry(f"bilinear {shape} x{scale}", "resize", x,
                       F.interpolate(x, scale_factor=scale, mode=modes[len(shape)], align_corners=False), mode="bilinear", scale=list(scale)))
x = ramp((2, 8, 3, 2))
cases.append(entry("pixel shuffle 2D r2", "pixelShuffle", x, F.pixel_shuffle(x, 2), factor=2))
x = ramp((1, 9, 2, 3))
cases.append(entry("pixel shuffle 2D r3", "pixelShuffle", x, F.pixel_shuffle(x, 3), factor=3))
print(json.dumps({"generator": "scripts/gen-resize-vectors.py", "torch": torch.__version__, "cases": cases}))
