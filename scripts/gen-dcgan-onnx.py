#!/usr/bin/python3
"""Exports small real generator architectures from PyTorch to ONNX test directories under test/fixtures/onnx/.

  dcgan/        DCGAN generator (Radford et al.): z (N, 16, 1, 1) -> 4x4 -> 8 -> 16 -> 32 -> 64x64 RGB,
                ConvTranspose + BatchNorm + ReLU, Tanh at the end; dynamic batch axis.
  unet/         A small pix2pix-style U-Net: strided Conv encoder, ConvTranspose decoder with skip connections
                (Concat), BatchNorm, LeakyRelu/Relu, ReflectionPad (Pad reflect) before the last Conv, Tanh.
  upsample-head/  Linear head and mixed upsampling: Gemm -> Reshape -> ConvTranspose (k3 s2, uneven) -> LeakyRelu ->
                Resize nearest -> Conv -> BatchNorm -> Relu -> Resize bilinear -> Conv -> DepthToSpace -> Sigmoid.

Each directory holds model.onnx and test_data_set_0/input_0.pb, output_0.pb (serialized onnx.TensorProto, the layout
of ONNX's own backend tests) with PyTorch's output. Run with Debian's python3-torch:  /usr/bin/python3 scripts/gen-dcgan-onnx.py
The `onnx` Python package is not needed: the TensorProto files are written by the small encoder below.
"""
import os
import sys
import struct

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_dcgan import DCGAN  # noqa: E402 (the shared generator, scripts/torch_dcgan.py)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx')


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, wire, payload):
    return varint((number << 3) | wire) + payload


def tensor_proto(name, t):
    """onnx.TensorProto: dims (1), data_type FLOAT (2), name (8), raw_data little-endian float32 (9)."""
    t = t.detach().contiguous().float()
    out = b''.join(field(1, 0, varint(d)) for d in t.shape)
    out += field(2, 0, varint(1))
    encoded_name = name.encode('utf-8')
    out += field(8, 2, varint(len(encoded_name)) + encoded_name)
    raw = struct.pack('<%df' % t.numel(), *t.flatten().tolist())
    out += field(9, 2, varint(len(raw)) + raw)
    return out



class UpsampleHeadGenerator(nn.Module):
    def __init__(self, nz=32):
        super().__init__()
        self.fc = nn.Linear(nz, 16 * 4 * 4)
        self.body = nn.Sequential(
            nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1), nn.LeakyReLU(0.2),
            nn.Upsample(scale_factor=2, mode='nearest'),
            nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False),
            nn.Conv2d(8, 12, 3, padding=1), nn.PixelShuffle(2), nn.Sigmoid(),
        )

    def forward(self, z):
        return self.body(self.fc(z).view(-1, 16, 4, 4))


class TinyUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.down1 = nn.Sequential(nn.Conv2d(3, 8, 4, 2, 1), nn.LeakyReLU(0.2))
        self.down2 = nn.Sequential(nn.Conv2d(8, 16, 4, 2, 1), nn.BatchNorm2d(16), nn.LeakyReLU(0.2))
        self.up1 = nn.Sequential(nn.ConvTranspose2d(16, 8, 4, 2, 1), nn.BatchNorm2d(8), nn.ReLU())
        self.up2 = nn.Sequential(nn.ConvTranspose2d(16, 8, 4, 2, 1), nn.ReLU())
        self.out = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(8 + 3, 3, 3), nn.Tanh())

    def forward(self, x):
        d1 = self.down1(x)
        d2 = self.down2(d1)
        u1 = self.up1(d2)
        u2 = self.up2(torch.cat([u1, d1], 1))
        return self.out(torch.cat([u2, x], 1))


def randomize_batchnorm(model, generator):
    # Fresh BatchNorm layers are the identity in eval mode; give them real statistics so the test means something.
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data = torch.rand(m.num_features, generator=generator) + 0.5
            m.bias.data = torch.randn(m.num_features, generator=generator) * 0.1
            m.running_mean = torch.randn(m.num_features, generator=generator) * 0.1
            m.running_var = torch.rand(m.num_features, generator=generator) + 0.5


def export(name, model, z, dynamic_batch):
    directory = os.path.join(ROOT, name)
    os.makedirs(os.path.join(directory, 'test_data_set_0'), exist_ok=True)
    model.eval()
    with torch.no_grad():
        y = model(z)
    path = os.path.join(directory, 'model.onnx')
    torch.onnx.export(
        model, (z,), path, input_names=['z'], output_names=['image'], opset_version=13, do_constant_folding=True,
        dynamic_axes={'z': {0: 'batch'}, 'image': {0: 'batch'}} if dynamic_batch else None,
    )
    with open(os.path.join(directory, 'test_data_set_0', 'input_0.pb'), 'wb') as f:
        f.write(tensor_proto('z', z))
    with open(os.path.join(directory, 'test_data_set_0', 'output_0.pb'), 'wb') as f:
        f.write(tensor_proto('image', y))
    print('%s: %s -> %s, %d bytes' % (name, tuple(z.shape), tuple(y.shape), os.path.getsize(path)))


def main():
    generator = torch.Generator().manual_seed(20240601)
    torch.manual_seed(20240601)
    dcgan = DCGAN()
    for m in dcgan.modules():
        if isinstance(m, nn.ConvTranspose2d):
            m.weight.data.normal_(0.0, 0.02 * 10, generator=generator)  # DCGAN init, scaled up so outputs vary
    randomize_batchnorm(dcgan, generator)
    export('dcgan', dcgan, torch.randn(2, 16, 1, 1, generator=generator), dynamic_batch=True)

    head = UpsampleHeadGenerator()
    randomize_batchnorm(head, generator)
    export('upsample-head', head, torch.randn(2, 32, generator=generator), dynamic_batch=False)

    unet = TinyUNet()
    randomize_batchnorm(unet, generator)
    export('unet', unet, torch.randn(2, 3, 32, 32, generator=generator), dynamic_batch=True)


if __name__ == '__main__':
    main()
