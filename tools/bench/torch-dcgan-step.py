#!/usr/bin/env python3
"""Time one DCGAN training step (D on real+fake, then G; Adam, BCE-with-logits) in PyTorch on the CPU:
the pytorch/examples DCGAN at 64 px (nz 100, ngf 64, ndf 64), the reference for `heritage bench`'s
tensorflow row (lib/gan/dcgan.ts DEFAULT_ARCH). Usage: tools/bench/torch-dcgan-step.py [--batch 32] [--steps 5] [--threads N]"""
import argparse, time, torch, torch.nn as nn
p = argparse.ArgumentParser()
p.add_argument("--batch", type=int, default=32); p.add_argument("--steps", type=int, default=5)
p.add_argument("--threads", type=int, default=0); p.add_argument("--nz", type=int, default=100)
p.add_argument("--ngf", type=int, default=64); p.add_argument("--ndf", type=int, default=64)
a = p.parse_args()
if a.threads: torch.set_num_threads(a.threads)
nz, ngf, ndf = a.nz, a.ngf, a.ndf
G = nn.Sequential(nn.ConvTranspose2d(nz, ngf*8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf*8), nn.ReLU(True),
    nn.ConvTranspose2d(ngf*8, ngf*4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf*4), nn.ReLU(True),
    nn.ConvTranspose2d(ngf*4, ngf*2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf*2), nn.ReLU(True),
    nn.ConvTranspose2d(ngf*2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
    nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False), nn.Tanh())
D = nn.Sequential(nn.Conv2d(3, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
    nn.Conv2d(ndf, ndf*2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf*2), nn.LeakyReLU(0.2, True),
    nn.Conv2d(ndf*2, ndf*4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf*4), nn.LeakyReLU(0.2, True),
    nn.Conv2d(ndf*4, ndf*8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf*8), nn.LeakyReLU(0.2, True),
    nn.Conv2d(ndf*8, 1, 4, 1, 0, bias=False))
oG = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999)); oD = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss(); b = a.batch
real = torch.rand(b, 3, 64, 64) * 2 - 1; ones = torch.ones(b); zeros = torch.zeros(b)
def step():
    z = torch.rand(b, nz, 1, 1) * 2 - 1
    fake = G(z)
    oD.zero_grad(); lD = bce(D(real).view(-1), ones) + bce(D(fake.detach()).view(-1), zeros); lD.backward(); oD.step()
    oG.zero_grad(); lG = bce(D(fake).view(-1), ones); lG.backward(); oG.step()
step()  # warm-up
ts = []
for _ in range(a.steps):
    t0 = time.perf_counter(); step(); ts.append((time.perf_counter() - t0) * 1000)
ts.sort()
print(f"torch {torch.__version__} threads {torch.get_num_threads()} batch {b} 64px: median {ts[len(ts)//2]:.0f} ms/step (min {ts[0]:.0f}, max {ts[-1]:.0f}, {a.steps} steps)")
