"""The DCGAN generator (Radford et al.) both fixture scripts export: scripts/gen-dcgan-onnx.py (test/fixtures/onnx/dcgan)
and scripts/zoo/build.py (test/fixtures/zoo/dcgan). z (N, nz, 1, 1) -> 4x4 -> 8 -> 16 -> 32 -> 64x64, ConvTranspose k4 s2
+ BatchNorm + ReLU, Tanh at the end."""
import torch.nn as nn


class DCGAN(nn.Module):
    def __init__(self, nz=16, ngf=8, nc=3):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)
