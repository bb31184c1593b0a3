# pytorch/examples dcgan/main.py adapted to 32px, same budget as our default job. Writes grid + losses + samples.
import sys, json, time, argparse, numpy as np, torch, torch.nn as nn
p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=700); p.add_argument("--batch", type=int, default=16)
p.add_argument("--lr", type=float, default=2e-4); p.add_argument("--prior", default="uniform")
p.add_argument("--nz", type=int, default=100); p.add_argument("--ngf", type=int, default=32); p.add_argument("--ndf", type=int, default=32)
p.add_argument("--lrD", type=float, default=0); p.add_argument("--lrG", type=float, default=0); p.add_argument("--up", default="deconv"); p.add_argument("--beta1", type=float, default=0.5)
p.add_argument("--aug", default=""); p.add_argument("--ema", type=float, default=0); p.add_argument("--every", type=int, default=0)
p.add_argument("--sn", type=int, default=0); p.add_argument("--hinge", type=int, default=0); p.add_argument("--dbn", type=int, default=1)
p.add_argument("--out", default="torch-base"); p.add_argument("--seed", type=int, default=1)
a = p.parse_args()
torch.manual_seed(a.seed); np.random.seed(a.seed); torch.set_num_threads(1)
meta = json.load(open("run-default/train32.json")); n, S = meta["n"], meta["S"]
X = np.fromfile("run-default/train32.f32", dtype=np.float32).reshape(n, S, S, 3).transpose(0, 3, 1, 2).copy()
X = torch.from_numpy(X)
ngf, ndf, nz = a.ngf, a.ndf, a.nz
def up(i, o_): return nn.ConvTranspose2d(i, o_, 4, 2, 1, bias=False) if a.up == "deconv" else nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(i, o_, 3, 1, 1, bias=False))
G = nn.Sequential(nn.ConvTranspose2d(nz, ngf*4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf*4), nn.ReLU(True),
    up(ngf*4, ngf*2), nn.BatchNorm2d(ngf*2), nn.ReLU(True),
    up(ngf*2, ngf), nn.BatchNorm2d(ngf), nn.ReLU(True),
    up(ngf, 3), nn.Tanh())
SN = (lambda m: nn.utils.spectral_norm(m)) if a.sn else (lambda m: m)
BN = (lambda c: nn.BatchNorm2d(c)) if a.dbn else (lambda c: nn.Identity())
D = nn.Sequential(SN(nn.Conv2d(3, ndf, 4, 2, 1, bias=False)), nn.LeakyReLU(0.2, True),
    SN(nn.Conv2d(ndf, ndf*2, 4, 2, 1, bias=False)), BN(ndf*2), nn.LeakyReLU(0.2, True),
    SN(nn.Conv2d(ndf*2, ndf*4, 4, 2, 1, bias=False)), BN(ndf*4), nn.LeakyReLU(0.2, True),
    SN(nn.Conv2d(ndf*4, 1, 4, 1, 0, bias=False)))
def winit(m):
    c = m.__class__.__name__
    if c.find('Conv') != -1: nn.init.normal_(m.weight, 0.0, 0.02)
    elif c.find('BatchNorm') != -1: nn.init.normal_(m.weight, 1.0, 0.02); nn.init.zeros_(m.bias)
G.apply(winit); D.apply(winit)
crit = nn.BCEWithLogitsLoss()
import copy
Gema = copy.deepcopy(G) if a.ema else None
pol = [x for x in a.aug.split(",") if x]
def augf(x):
    if not pol: return x
    b = x.shape[0]
    if "color" in pol:
        x = x + (torch.rand(b,1,1,1) - 0.5)
        m = x.mean(1, keepdim=True); x = (x - m) * (torch.rand(b,1,1,1) * 2) + m
        m = x.mean([1,2,3], keepdim=True); x = (x - m) * (torch.rand(b,1,1,1) + 0.5) + m
    if "translation" in pol:
        r = int(S*0.125+0.5); sx = torch.randint(-r, r+1, (b,)); sy = torch.randint(-r, r+1, (b,))
        xp = torch.nn.functional.pad(x, (r, r, r, r))
        x = torch.stack([xp[i, :, r - sy[i]: r - sy[i] + S, r - sx[i]: r - sx[i] + S] for i in range(b)])
    if "cutout" in pol:
        s_ = int(S*0.5+0.5); m = torch.ones(b,1,S,S)
        for i in range(b):
            cy = np.random.randint(0, S + (1 - s_ % 2)) - s_//2; cx = np.random.randint(0, S + (1 - s_ % 2)) - s_//2
            m[i, :, max(0,cy):max(0,cy+s_), max(0,cx):max(0,cx+s_)] = 0
        x = x * m
    return x
def dump(tag):
    GG = Gema if Gema is not None else G
    GG.eval()
    with torch.no_grad():
        sm = GG(fixed).permute(0, 2, 3, 1).numpy().astype(np.float32)
        big = GG(lat(256)).permute(0, 2, 3, 1).numpy().astype(np.float32)
    GG.train()
    import os; os.makedirs(a.out, exist_ok=True)
    big.tofile(a.out + f"/samples256{tag}.f32")
    g = ((sm.reshape(8, 8, S, S, 3).transpose(0, 2, 1, 3, 4).reshape(8*S, 8*S, 3) + 1) * 127.5).clip(0, 255).astype(np.uint8)
    from PIL import Image; Image.fromarray(g).save(a.out + f"/grid{tag}.png")
oD = torch.optim.Adam(D.parameters(), lr=a.lrD or a.lr, betas=(a.beta1, 0.999)); oG = torch.optim.Adam(G.parameters(), lr=a.lrG or a.lr, betas=(a.beta1, 0.999))
def lat(b): return (torch.rand(b, nz, 1, 1)*2-1) if a.prior == "uniform" else torch.randn(b, nz, 1, 1)
fixed = lat(64); hist = []; t0 = time.process_time(); step = 0
while step < a.steps:
    perm = torch.randperm(n)
    for s in range(0, n - a.batch // 2 + 1, a.batch):
        if step >= a.steps: break
        real = X[perm[s:s+a.batch]]
        flip = torch.rand(real.shape[0]) < 0.5; real = torch.where(flip[:, None, None, None], real.flip(3), real)
        b = real.shape[0]; z = lat(b); fake = G(z)
        D.zero_grad(); lr_ = D(augf(real)).view(-1); lf = D(augf(fake.detach())).view(-1)
        lD = (torch.relu(1 - lr_).mean() + torch.relu(1 + lf).mean()) if a.hinge else (crit(lr_, torch.ones(b)) + crit(lf, torch.zeros(b))); lD.backward(); oD.step()
        G.zero_grad(); o_ = D(augf(fake)).view(-1); lG = (-o_.mean()) if a.hinge else crit(o_, torch.ones(b)); lG.backward(); oG.step()
        if Gema is not None:
            d = min(a.ema, (1 + step) / (10 + step))
            with torch.no_grad():
                for pe, pl in zip(Gema.parameters(), G.parameters()): pe.mul_(d).add_(pl, alpha=1 - d)
                for be, bl in zip(Gema.buffers(), G.buffers()):
                    if be.dtype.is_floating_point: be.mul_(d).add_(bl, alpha=1 - d)
        if a.every and (step + 1) % a.every == 0: dump(f"-{step+1}")
        hist.append([lD.item(), lG.item(), torch.sigmoid(lr_).mean().item(), torch.sigmoid(lf).mean().item()]); step += 1
cpu = time.process_time() - t0
dump("")
G.eval()
with torch.no_grad():
    sm = G(fixed).permute(0, 2, 3, 1).numpy().astype(np.float32)
    big = G(lat(256)).permute(0, 2, 3, 1).numpy().astype(np.float32)
G.train()
with torch.no_grad(): bigtr = G(lat(256)).permute(0, 2, 3, 1).numpy().astype(np.float32)
import os; os.makedirs(a.out, exist_ok=True)
bigtr.tofile(a.out + "/samples256-train.f32")
g = ((sm.reshape(8, 8, S, S, 3).transpose(0, 2, 1, 3, 4).reshape(8*S, 8*S, 3) + 1) * 127.5).clip(0, 255).astype(np.uint8)
h = np.array(hist); k = max(1, len(h)//10)
print(json.dumps({"steps": step, "cpu_s": round(cpu, 1), "last10pct": h[-k:].mean(0).round(3).tolist()}))
for i in range(0, len(h), len(h)//10): print(i, h[i:i+len(h)//10].mean(0).round(3).tolist())
