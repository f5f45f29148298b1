#!/usr/bin/python3
"""Builds the zoo: small, randomly weighted versions of the upsampling architectures people ship, exported from
PyTorch to ONNX test directories under test/fixtures/zoo/<name>/ (model.onnx, test_data_set_0/{input_0,output_0}.pb).

  dcgan                 DCGAN generator: ConvTranspose k4 s2 stack, BatchNorm, ReLU, Tanh.
  pix2pix-unet          pix2pix U-Net: strided Conv encoder, ConvTranspose decoder, skip Concats, Dropout (eval).
  unet-maxpool          Ronneberger U-Net: double 3x3 Conv blocks, MaxPool encoder, ConvTranspose k2 s2 decoder.
  esrgan-rrdb           ESRGAN: residual-in-residual dense blocks, nearest Resize x2 x2 + Conv upsampling.
  realesrgan-unshuffle  Real-ESRGAN x2: pixel-unshuffle of the input (Reshape/Transpose/Reshape), RRDB trunk, x4 up.
  espcn                 ESPCN sub-pixel head (Conv, Tanh, DepthToSpace x3) and an SRGAN block (PixelShuffle, PReLU).
  hifigan-1d            HiFi-GAN generator: ConvTranspose1d upsampling, residual dilated Conv1d blocks, LeakyReLU.
  ldm-vae-decoder       Latent-diffusion VAE decoder: GroupNorm, SiLU, ResNet blocks, one self-attention block with
                        Softmax, nearest Upsample + Conv.
  unet3d                3D U-Net: Conv3d blocks, MaxPool3d, ConvTranspose3d k2 s2, skip Concats.

Fixed seeds, random weights (no hub); normalization layers get random statistics so they are not the identity.
Opset 17. The tensors are written with the `onnx` package (Debian python3-onnx).
Run:  /usr/bin/python3 scripts/zoo/build.py
"""
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from torch_dcgan import DCGAN  # noqa: E402 (the shared generator, scripts/torch_dcgan.py)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'zoo')
OPSET = 17
SEED = 20261207


# ---------------------------------------------------------------------------------------------------------- models


class Pix2PixUNet(nn.Module):
    """The pix2pix UnetGenerator's blocks (down: LeakyReLU, Conv k4 s2, BatchNorm; up: ReLU, ConvTranspose k4 s2,
    BatchNorm, Dropout), unrolled for four levels."""

    def __init__(self, nc=3, ngf=8):
        super().__init__()
        self.d1 = nn.Conv2d(nc, ngf, 4, 2, 1)
        self.d2 = nn.Sequential(nn.LeakyReLU(0.2), nn.Conv2d(ngf, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2))
        self.d3 = nn.Sequential(nn.LeakyReLU(0.2), nn.Conv2d(ngf * 2, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4))
        self.d4 = nn.Sequential(nn.LeakyReLU(0.2), nn.Conv2d(ngf * 4, ngf * 4, 4, 2, 1, bias=False))
        self.u4 = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(ngf * 4, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.Dropout(0.5))
        self.u3 = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(ngf * 8, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2))
        self.u2 = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(ngf * 4, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf))
        self.u1 = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1), nn.Tanh())

    def forward(self, x):
        a = self.d1(x)
        b = self.d2(a)
        c = self.d3(b)
        d = self.d4(c)
        u = self.u4(d)
        u = self.u3(torch.cat([u, c], 1))
        u = self.u2(torch.cat([u, b], 1))
        return self.u1(torch.cat([u, a], 1))


def double_conv(cin, cout, dims=2):
    Conv, Norm = (nn.Conv2d, nn.BatchNorm2d) if dims == 2 else (nn.Conv3d, nn.BatchNorm3d)
    return nn.Sequential(
        Conv(cin, cout, 3, padding=1, bias=False), Norm(cout), nn.ReLU(inplace=True),
        Conv(cout, cout, 3, padding=1, bias=False), Norm(cout), nn.ReLU(inplace=True),
    )


class UNetMaxPool(nn.Module):
    def __init__(self, nc=1, classes=2, base=8):
        super().__init__()
        self.inc = double_conv(nc, base)
        self.down1 = nn.Sequential(nn.MaxPool2d(2), double_conv(base, base * 2))
        self.down2 = nn.Sequential(nn.MaxPool2d(2), double_conv(base * 2, base * 4))
        self.up1 = nn.ConvTranspose2d(base * 4, base * 2, 2, stride=2)
        self.conv1 = double_conv(base * 4, base * 2)
        self.up2 = nn.ConvTranspose2d(base * 2, base, 2, stride=2)
        self.conv2 = double_conv(base * 2, base)
        self.outc = nn.Conv2d(base, classes, 1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        u = self.conv1(torch.cat([x2, self.up1(x3)], 1))
        u = self.conv2(torch.cat([x1, self.up2(u)], 1))
        return self.outc(u)


class DenseBlock(nn.Module):
    """ESRGAN's ResidualDenseBlock_5C: five 3x3 convs, each seeing every earlier feature map."""

    def __init__(self, nf, gc):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(nf + i * gc, gc if i < 4 else nf, 3, 1, 1) for i in range(5)])
        self.lrelu = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, x):
        features = [x]
        for i, conv in enumerate(self.convs):
            y = conv(torch.cat(features, 1))
            if i < 4:
                features.append(self.lrelu(y))
        return y * 0.2 + x


class RRDB(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        self.blocks = nn.Sequential(DenseBlock(nf, gc), DenseBlock(nf, gc), DenseBlock(nf, gc))

    def forward(self, x):
        return self.blocks(x) * 0.2 + x


class RRDBNet(nn.Module):
    """ESRGAN's RRDBNet (x4, nearest interpolation + conv); with unshuffle=2 it is Real-ESRGAN's x2 model, which
    pixel-unshuffles the input and keeps the x4 trunk."""

    def __init__(self, nc=3, nf=8, gc=4, blocks=1, unshuffle=1):
        super().__init__()
        self.unshuffle = unshuffle
        self.conv_first = nn.Conv2d(nc * unshuffle * unshuffle, nf, 3, 1, 1)
        self.trunk = nn.Sequential(*[RRDB(nf, gc) for _ in range(blocks)])
        self.trunk_conv = nn.Conv2d(nf, nf, 3, 1, 1)
        self.up1 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.up2 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.hr = nn.Conv2d(nf, nf, 3, 1, 1)
        self.last = nn.Conv2d(nf, nc, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, x):
        if self.unshuffle > 1:
            x = F.pixel_unshuffle(x, self.unshuffle)
        fea = self.conv_first(x)
        fea = fea + self.trunk_conv(self.trunk(fea))
        fea = self.lrelu(self.up1(F.interpolate(fea, scale_factor=2, mode='nearest')))
        fea = self.lrelu(self.up2(F.interpolate(fea, scale_factor=2, mode='nearest')))
        return self.last(self.lrelu(self.hr(fea)))


class ESPCN(nn.Module):
    """ESPCN (Shi et al.) x3 on one channel, then an SRGAN upsampling block (Conv, PixelShuffle x2, PReLU)."""

    def __init__(self, scale=3):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 5, padding=2), nn.Tanh(), nn.Conv2d(16, 8, 3, padding=1), nn.Tanh(),
            nn.Conv2d(8, 4 * scale * scale, 3, padding=1), nn.PixelShuffle(scale),
        )
        self.srgan = nn.Sequential(nn.Conv2d(4, 4 * 4, 3, padding=1), nn.PixelShuffle(2), nn.PReLU(4))
        self.out = nn.Conv2d(4, 1, 3, padding=1)

    def forward(self, x):
        return self.out(self.srgan(self.body(x)))


class ResBlock1(nn.Module):
    """HiFi-GAN's ResBlock1: pairs of (LeakyReLU, dilated Conv1d, LeakyReLU, Conv1d) with residual adds."""

    def __init__(self, channels, kernel, dilations=(1, 3, 5)):
        super().__init__()
        self.convs1 = nn.ModuleList([nn.Conv1d(channels, channels, kernel, 1, dilation=d, padding=d * (kernel - 1) // 2) for d in dilations])
        self.convs2 = nn.ModuleList([nn.Conv1d(channels, channels, kernel, 1, dilation=1, padding=(kernel - 1) // 2) for _ in dilations])

    def forward(self, x):
        for c1, c2 in zip(self.convs1, self.convs2):
            xt = c2(F.leaky_relu(c1(F.leaky_relu(x, 0.1)), 0.1))
            x = xt + x
        return x


class HiFiGAN(nn.Module):
    """HiFi-GAN V1's generator structure with small channels: conv_pre, per upsampling stage a ConvTranspose1d
    (kernel 2·rate, padding rate/2) and the mean of the resblocks over kernels 3 and 7, conv_post, tanh."""

    def __init__(self, mels=16, channels=32, rates=(4, 4, 2), kernels=(3, 7)):
        super().__init__()
        self.conv_pre = nn.Conv1d(mels, channels, 7, 1, padding=3)
        self.ups = nn.ModuleList()
        self.resblocks = nn.ModuleList()
        ch = channels
        for rate in rates:
            self.ups.append(nn.ConvTranspose1d(ch, ch // 2, 2 * rate, rate, padding=rate // 2))
            ch //= 2
            for k in kernels:
                self.resblocks.append(ResBlock1(ch, k))
        self.kernels = len(kernels)
        self.conv_post = nn.Conv1d(ch, 1, 7, 1, padding=3)

    def forward(self, mel):
        x = self.conv_pre(mel)
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, 0.1))
            xs = None
            for j in range(self.kernels):
                r = self.resblocks[i * self.kernels + j](x)
                xs = r if xs is None else xs + r
            x = xs / self.kernels
        return torch.tanh(self.conv_post(F.leaky_relu(x)))


def group_norm(channels):
    return nn.GroupNorm(num_groups=8, num_channels=channels, eps=1e-6, affine=True)


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1 = group_norm(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.norm2 = group_norm(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.skip is None else self.skip(x)) + h


class AttnBlock(nn.Module):
    """The LDM decoder's single-head spatial self-attention: 1x1 q, k, v, softmax over positions, 1x1 projection."""

    def __init__(self, ch):
        super().__init__()
        self.norm = group_norm(ch)
        self.q = nn.Conv2d(ch, ch, 1)
        self.k = nn.Conv2d(ch, ch, 1)
        self.v = nn.Conv2d(ch, ch, 1)
        self.proj_out = nn.Conv2d(ch, ch, 1)

    def forward(self, x):
        h = self.norm(x)
        q, k, v = self.q(h), self.k(h), self.v(h)
        b, c, hh, ww = q.shape
        q = q.reshape(b, c, hh * ww).permute(0, 2, 1)
        k = k.reshape(b, c, hh * ww)
        w = torch.bmm(q, k) * (int(c) ** (-0.5))
        w = F.softmax(w, dim=2)
        v = v.reshape(b, c, hh * ww)
        h = torch.bmm(v, w.permute(0, 2, 1)).reshape(b, c, hh, ww)
        return x + self.proj_out(h)


class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, 1, 1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode='nearest'))


class VAEDecoder(nn.Module):
    """The latent-diffusion (taming/ldm) VAE Decoder, one ResnetBlock per level, channels (32, 16, 16)."""

    def __init__(self, z_channels=4, ch=(32, 16, 16), out_ch=3):
        super().__init__()
        self.conv_in = nn.Conv2d(z_channels, ch[0], 3, 1, 1)
        self.mid1 = ResnetBlock(ch[0], ch[0])
        self.attn = AttnBlock(ch[0])
        self.mid2 = ResnetBlock(ch[0], ch[0])
        self.up = nn.Sequential(
            ResnetBlock(ch[0], ch[1]), Upsample(ch[1]),
            ResnetBlock(ch[1], ch[2]), Upsample(ch[2]),
            ResnetBlock(ch[2], ch[2]),
        )
        self.norm_out = group_norm(ch[2])
        self.conv_out = nn.Conv2d(ch[2], out_ch, 3, 1, 1)

    def forward(self, z):
        h = self.mid2(self.attn(self.mid1(self.conv_in(z))))
        h = self.up(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class UNet3D(nn.Module):
    def __init__(self, nc=1, classes=2, base=4):
        super().__init__()
        self.inc = double_conv(nc, base, dims=3)
        self.down = nn.Sequential(nn.MaxPool3d(2), double_conv(base, base * 2, dims=3))
        self.bottom = nn.Sequential(nn.MaxPool3d(2), double_conv(base * 2, base * 4, dims=3))
        self.up1 = nn.ConvTranspose3d(base * 4, base * 2, 2, stride=2)
        self.conv1 = double_conv(base * 4, base * 2, dims=3)
        self.up2 = nn.ConvTranspose3d(base * 2, base, 2, stride=2)
        self.conv2 = double_conv(base * 2, base, dims=3)
        self.outc = nn.Conv3d(base, classes, 1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down(x1)
        x3 = self.bottom(x2)
        u = self.conv1(torch.cat([x2, self.up1(x3)], 1))
        u = self.conv2(torch.cat([x1, self.up2(u)], 1))
        return self.outc(u)


# ----------------------------------------------------------------------------------------------------------- export

def randomize_normalization(model, generator):
    # Fresh normalization layers are the identity (or close); real statistics make the test mean something.
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm3d)):
            n = m.num_features
            m.weight.data = torch.rand(n, generator=generator) + 0.5
            m.bias.data = torch.randn(n, generator=generator) * 0.1
            m.running_mean = torch.randn(n, generator=generator) * 0.1
            m.running_var = torch.rand(n, generator=generator) + 0.5
        elif isinstance(m, nn.GroupNorm):
            m.weight.data = torch.rand(m.num_channels, generator=generator) + 0.5
            m.bias.data = torch.randn(m.num_channels, generator=generator) * 0.1
        elif isinstance(m, nn.PReLU):
            m.weight.data = torch.rand(m.weight.numel(), generator=generator) * 0.5


def write_tensor(path, name, t):
    proto = onnx.numpy_helper.from_array(t.detach().contiguous().float().numpy().astype(np.float32), name)
    with open(path, 'wb') as f:
        f.write(proto.SerializeToString())


def export(name, model, x, input_name='input', output_name='output'):
    directory = os.path.join(ROOT, name)
    data = os.path.join(directory, 'test_data_set_0')
    os.makedirs(data, exist_ok=True)
    model.eval()
    with torch.no_grad():
        y = model(x)
    path = os.path.join(directory, 'model.onnx')
    torch.onnx.export(model, (x,), path, input_names=[input_name], output_names=[output_name], opset_version=OPSET,
                      do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))
    write_tensor(os.path.join(data, 'input_0.pb'), input_name, x)
    write_tensor(os.path.join(data, 'output_0.pb'), output_name, y)
    ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    print('%-21s %s -> %s, %6d bytes: %s' % (name, tuple(x.shape), tuple(y.shape), os.path.getsize(path), ' '.join(ops)))


def main():
    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)

    def build(model):
        randomize_normalization(model, generator)
        return model

    dcgan = DCGAN()
    for m in dcgan.modules():
        if isinstance(m, nn.ConvTranspose2d):
            m.weight.data.normal_(0.0, 0.2, generator=generator)  # DCGAN's N(0, 0.02) init, scaled so outputs vary
    export('dcgan', build(dcgan), torch.randn(1, 16, 1, 1, generator=generator), 'z', 'image')
    export('pix2pix-unet', build(Pix2PixUNet()), torch.randn(1, 3, 32, 32, generator=generator))
    export('unet-maxpool', build(UNetMaxPool()), torch.randn(1, 1, 32, 32, generator=generator))
    export('esrgan-rrdb', build(RRDBNet()), torch.randn(1, 3, 16, 16, generator=generator))
    export('realesrgan-unshuffle', build(RRDBNet(unshuffle=2)), torch.randn(1, 3, 16, 16, generator=generator))
    export('espcn', build(ESPCN()), torch.randn(1, 1, 16, 16, generator=generator))
    export('hifigan-1d', build(HiFiGAN()), torch.randn(1, 16, 16, generator=generator), 'mel', 'audio')
    export('ldm-vae-decoder', build(VAEDecoder()), torch.randn(1, 4, 8, 8, generator=generator), 'z', 'image')
    export('unet3d', build(UNet3D()), torch.randn(1, 1, 16, 16, 16, generator=generator))


if __name__ == '__main__':
    main()
