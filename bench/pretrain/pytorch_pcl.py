#!/usr/bin/python3
"""The PCL pre-training benchmark's reference side: the same loop in PyTorch (Debian's python3-torch, numpy).

Runs as a persistent child of bench/pretrain/run.ts so the two sides can be interleaved. Protocol on stdin, one
command a line, one JSON line back each:
  setup <json>        {key, threads, seed, widths, slope, projectionDim, batch, tau, threshold, lr, momentum,
                       weightDecay, size, dataFile, slicesPerVolume, device, mode}; dataFile holds the slices as raw
                       float32, (sum(slicesPerVolume), size, size), volume after volume, slice 0 first
                       mode: 'fp32' (default; PyTorch's defaults, contiguous NCHW), 'bf16' (forward under
                       torch.autocast(dtype=torch.bfloat16), its defaults otherwise), 'bf16cl' (bf16 autocast with the
                       model and the views in channels-last: PyTorch's best CPU configuration)
  run <key> <steps>   timed training steps -> {times, losses}
  profile <key> <steps>  the same steps under libtorch's autograd profiler -> the operators' key_averages
                      (bench/profile/ops_profile.py; bench/pretrain/profile.ts compares them with medcl's)
  quit

One step (what medcl's PCL step does, src/methods/pcl.ts + multi-positive.ts):
  ids = the next batch of a shuffled pass over every slice of every volume (last batch filled with earlier slices)
  x = data[ids] (slices held in memory as one tensor)
  two views, each: flip x (p 0.5), flip y (p 0.5), random affine (p 0.67: rotation U(-180, 180) deg, scale
  U(0.7, 1.3), translation U(-0.1, 0.1) of the size; one affine_grid + grid_sample, bilinear, zeros), brightness
  +U(-0.1, 0.1) (p 0.5), contrast U(0.9, 1.1) about the sample's mean (p 0.5)   (src/transforms/presets.ts pclAugment)
  z = normalize(MLP(GAP(UNetEncoder(cat(view1, view2)))))
  positives: |pos_i - pos_j| < t, pos = (slice index + 1) / slices in volume, expanded to the 2N views
  SupCon loss (masked, max-shifted log-sum-exp), backward, SGD momentum with weight decay
bf16 modes (PyTorch's AMP recipe): the forward under autocast, backward and SGD outside; the augmentation runs before
it, in float32 (a data pipeline's place); the L2 normalisation and SupCon in float32 with autocast off (as medcl's
losses, src/losses/float32.ts: the same numerics on both sides; a 64x64 similarity matrix, no measurable time).
Every setup seeds torch and its run's generator alike, so the modes start from the same weights and draw the same
batches and augmentations.
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'profile'))
from ops_profile import profile_reply  # noqa: E402


def conv_norm_act(cin, cout, slope):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.LeakyReLU(slope, inplace=True))


class Projector(nn.Module):
    """UNetEncoder (conv-BN-LeakyReLU x2 per stage, 2x2 max-pool between) + GAP + MLP (ReLU) + L2 normalisation."""

    def __init__(self, widths, slope, proj_dim):
        super().__init__()
        self.stages = nn.ModuleList()
        cin = 1
        for w in widths:
            self.stages.append(nn.Sequential(conv_norm_act(cin, w, slope), conv_norm_act(w, w, slope)))
            cin = w
        self.fc1 = nn.Linear(widths[-1], widths[-1])
        self.fc2 = nn.Linear(widths[-1], proj_dim)

    def forward(self, x):
        h = x
        for i, s in enumerate(self.stages):
            if i > 0:
                h = F.max_pool2d(h, 2)
            h = s(h)
        g = self.fc2(F.relu(self.fc1(h.mean(dim=(2, 3)))))
        # float32 under bf16 autocast (as medcl's normalizeEmbeddings; no op of normalize is on autocast's bf16
        # list); .float() of a float32 tensor is that tensor
        return F.normalize(g.float(), dim=1)


def per_sample(values, n):
    return values.view(n, 1, 1, 1)


def pcl_augment(x, gen):
    """One view of the batch x (N, 1, H, W): pclAugment's draws, batched."""
    n = x.shape[0]
    for dim in (3, 2):  # flip x (columns), then flip y (rows)
        flip = torch.rand(n, generator=gen) < 0.5
        x = torch.where(per_sample(flip, n), x.flip(dim), x)
    applied = torch.rand(n, generator=gen) < 0.67
    angle = (torch.rand(n, generator=gen) * 360 - 180) * (math.pi / 180)
    scale = torch.rand(n, generator=gen) * 0.6 + 0.7
    shift = (torch.rand(n, 2, generator=gen) * 0.2 - 0.1) * 2  # fraction of the size -> normalised units
    c, s = torch.cos(angle), torch.sin(angle)
    # output q reads input A^-1 (q - t), A = R(angle) * scale
    inv = torch.stack([torch.stack([c, s], -1), torch.stack([-s, c], -1)], 1) / scale.view(n, 1, 1)
    theta = torch.cat([inv, -(inv @ shift.unsqueeze(-1))], 2)
    ident = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]).expand(n, 2, 3)
    theta = torch.where(applied.view(n, 1, 1), theta, ident)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    warped = F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
    x = torch.where(per_sample(applied, n), warped, x)
    bright = torch.rand(n, generator=gen) < 0.5
    b = torch.where(bright, torch.rand(n, generator=gen) * 0.2 - 0.1, torch.zeros(n))
    x = x + per_sample(b, n)
    contrast = torch.rand(n, generator=gen) < 0.5
    f = torch.where(contrast, torch.rand(n, generator=gen) * 0.2 + 0.9, torch.ones(n))
    m = x.mean(dim=(2, 3), keepdim=True)
    x = torch.where(per_sample(contrast, n), (x - m) * per_sample(f, n) + m, x)
    return x


def supcon(z, positives, tau):
    m = z.shape[0]
    logits = z @ z.T / tau
    not_diag = ~torch.eye(m, dtype=torch.bool, device=z.device)
    pos = (positives & not_diag).to(z.dtype)
    masked = logits.masked_fill(~not_diag, float('-inf'))
    shift = masked.amax(1, keepdim=True).detach()
    lse = ((masked - shift).exp().sum(1, keepdim=True).log() + shift).squeeze(1)
    count = pos.sum(1)
    anchors = int((count > 0).sum())
    if anchors == 0:
        raise RuntimeError('supcon: no anchor has a positive')
    sum_log_prob = (logits * pos).sum(1) - count * lse
    return -(sum_log_prob / count.clamp(min=1)).sum() / anchors


class Run:
    def __init__(self, cfg):
        self.gen = torch.Generator().manual_seed(cfg['seed'])
        size = cfg['size']
        counts = cfg['slicesPerVolume']
        total = sum(counts)
        raw = np.fromfile(cfg['dataFile'], dtype=np.float32)
        if raw.size != total * size * size:
            raise RuntimeError(f"{cfg['dataFile']}: {raw.size} floats, expected {total}x{size}x{size}")
        self.data = torch.from_numpy(raw).view(total, 1, size, size)
        self.pos = torch.tensor([(i + 1) / n for n in counts for i in range(n)], dtype=torch.float64)
        # 'cpu' (default) or 'cuda[:N]' (bench/gpu/run.sh): the network and the step's views live there; the
        # augmentation draws from the CPU generator and runs on the CPU (medcl augments on the device)
        self.dev = torch.device(cfg.get('device', 'cpu'))
        self.mode = cfg.get('mode', 'fp32')
        if self.mode not in ('fp32', 'bf16', 'bf16cl'):
            raise RuntimeError(f"mode must be fp32, bf16 or bf16cl, got {self.mode}")
        self.model = Projector(cfg['widths'], cfg['slope'], cfg['projectionDim']).to(self.dev)
        if self.mode == 'bf16cl':
            self.model = self.model.to(memory_format=torch.channels_last)
        self.model.train()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=cfg['lr'], momentum=cfg['momentum'],
                                   weight_decay=cfg['weightDecay'])
        self.batch = cfg['batch']
        self.tau = cfg['tau']
        self.threshold = cfg['threshold']
        self.queue = []

    def next_ids(self):
        if not self.queue:
            total = self.data.shape[0]
            order = torch.randperm(total, generator=self.gen)
            full = total // self.batch
            batches = [order[b * self.batch:(b + 1) * self.batch] for b in range(full)]
            rest = order[full * self.batch:]
            if rest.numel() > 0:
                earlier = order[:full * self.batch]
                pick = earlier[torch.randperm(earlier.numel(), generator=self.gen)[:self.batch - rest.numel()]]
                batches.append(torch.cat([rest, pick]))
            self.queue = batches
        return self.queue.pop(0)

    def forward_loss(self, views, positives):
        if self.mode == 'fp32':
            return supcon(self.model(views), positives, self.tau)
        if self.mode == 'bf16cl':
            views = views.contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.dev.type, dtype=torch.bfloat16):
            z = self.model(views)
            with torch.autocast(self.dev.type, enabled=False):  # z is float32 (Projector.forward)
                return supcon(z, positives, self.tau)

    def step(self):
        ids = self.next_ids()
        x = self.data.index_select(0, ids)
        views = torch.cat([pcl_augment(x, self.gen), pcl_augment(x, self.gen)]).to(self.dev)
        p = self.pos[ids]
        rel = (p.view(-1, 1) - p.view(1, -1)).abs() < self.threshold - 1e-9
        positives = rel.repeat(2, 2).to(self.dev)
        loss = self.forward_loss(views, positives)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.item()


def main():
    runs = {}
    for line in sys.stdin:
        parts = line.strip().split(' ', 1)
        if not parts[0]:
            continue
        cmd = parts[0]
        try:
            if cmd == 'setup':
                cfg = json.loads(parts[1])
                torch.set_num_threads(cfg['threads'])
                torch.manual_seed(cfg['seed'])
                runs[cfg['key']] = Run(cfg)
                print(json.dumps({'ok': True, 'torch': torch.__version__, 'threads': torch.get_num_threads()}),
                      flush=True)
            elif cmd == 'run':
                key, steps = parts[1].split()
                run = runs[key]
                times, losses = [], []
                for _ in range(int(steps)):
                    t0 = time.perf_counter()
                    v = run.step()
                    losses.append(v if math.isfinite(v) else None)  # JSON has no NaN
                    times.append(time.perf_counter() - t0)
                print(json.dumps({'times': times, 'losses': losses}), flush=True)
            elif cmd == 'profile':
                key, steps = parts[1].split()
                print(profile_reply(runs[key].step, int(steps)), flush=True)
            elif cmd == 'quit':
                break
            else:
                print(json.dumps({'error': f'unknown command {cmd}'}), flush=True)
        except Exception as e:  # report to the parent instead of hanging it
            print(json.dumps({'error': f'{type(e).__name__}: {e}'}), flush=True)


if __name__ == '__main__':
    main()
