#!/usr/bin/python3
"""The DrasCLR benchmark's reference side: the same pre-training loop in PyTorch (Debian's python3-torch).

Runs as a persistent child of bench/drasclr/run.ts so the sides can be interleaved. Protocol on stdin, one command a
line, one JSON line back each:
  setup <json>      {threads, seed, scans, landmarks, patch, batch, neighbours, queue, dim, experts, layers, tau,
                     ema, lr, momentum, weightDecay, dataFile, locations, worlds, patients}; dataFile holds the
                     patches as raw float32 [scans, landmarks, d, d, d]
  check <json>      {file, steps: [{landmark, neighbours, scans}]}: loads the network's weights and the banks from
                     the safetensors file medcl wrote, runs those steps WITHOUT augmentation (loss, backward, SGD,
                     EMA, enqueue) -> {params, steps: [{loss, local, neighbour}]}
  run <mode> <n>    n timed training steps, mode fp32 | best (bf16 autocast + channels_last_3d) -> {times, losses}
  quit

One step (what medcl's DrasCLR step does, src/methods/drasclr-step.ts and drasclr.ts, docs/drasclr.md):
  landmark j drawn at random, B distinct scans, N(j) = the l nearest landmarks (world coordinates)
  two views of the B patches at j, each augmented (drasClrAugment: 3D affine rot +-10 deg per axis, shift +-0.375,
  scale 0.9-1.1, trilinear, border; Gaussian noise p 0.25 std U(0, 50/632); gamma p 0.25 U(0.5, 4.5) min-max)
  q = normalize(f_q(view 1, p_j)), k+ = normalize(f_k(view 2, p_j)) from the momentum encoder (no grad)
  negatives: j's queue (K keys stored in float16) without the query's own patient
  r_l = normalize(f_q(aug(patches at l), p_l)) for each l in N(j); L = L_l (eq. 6) + L_n (eq. 8)
  backward, SGD (momentum, weight decay), EMA of the key encoder (m, buffers copied), enqueue k+ into j's queue
"""
import json
import math
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ST_DTYPES = {'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16, 'I64': torch.int64,
             'I32': torch.int32, 'BOOL': torch.bool, 'U8': torch.uint8}


def load_safetensors(path):
    """The safetensors format by hand (Debian has no python3-safetensors): 8-byte length, JSON header, raw bytes."""
    with open(path, 'rb') as f:
        raw = f.read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, h in header.items():
        if name == '__metadata__':
            continue
        b, e = h['data_offsets']
        buf = bytearray(raw[base + b:base + e])
        t = torch.frombuffer(buf, dtype=ST_DTYPES[h['dtype']]) if e > b else torch.empty(0, dtype=ST_DTYPES[h['dtype']])
        out[name] = t.reshape(h['shape']).clone()
    return out


class LocCondConv3d(nn.Module):
    """W(p) = sum_n sigmoid(p W_r + b_r)_n W_n, mixed once per batch (one landmark), then one conv3d; no bias."""

    def __init__(self, cin, cout, stride, experts):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(experts, cout, cin, 3, 3, 3))
        self.routing = nn.Linear(3, experts)
        self.stride = stride
        bound = 1 / math.sqrt(cin * 27)
        nn.init.uniform_(self.weight, -bound, bound)

    def forward(self, x, loc, channels_last):
        r = torch.sigmoid(self.routing(loc))  # [1, N]
        w = (r @ self.weight.reshape(self.weight.shape[0], -1)).reshape(self.weight.shape[1:])
        if channels_last:
            w = w.contiguous(memory_format=torch.channels_last_3d)
        return F.conv3d(x, w, None, self.stride, 1)


class Block(nn.Module):
    def __init__(self, cin, cout, stride, experts):
        super().__init__()
        self.conv = LocCondConv3d(cin, cout, stride, experts)
        self.norm = nn.BatchNorm3d(cout)

    def forward(self, x, loc, channels_last):
        return F.elu(self.norm(self.conv(x, loc, channels_last)))


class Head(nn.Module):
    def __init__(self, cin, hidden, out):
        super().__init__()
        self.fc1 = nn.Linear(cin, hidden)
        self.fc2 = nn.Linear(hidden, out)

    def forward(self, y):
        return self.fc2(F.relu(self.fc1(y)))


class DrasclrEncoder(nn.Module):
    """medcl's DrasclrEncoder with the same parameter names (block<i>.conv/.norm, head.fc1/.fc2)."""

    def __init__(self, layers, experts, dim):
        super().__init__()
        c = 1
        for i, spec in enumerate(layers):
            setattr(self, f'block{i}', Block(c, spec['out'], spec['stride'], experts))
            c = spec['out']
        self.n = len(layers)
        self.head = Head(c, dim, dim)
        self.channels_last = False

    def forward(self, x, loc):
        h = x.contiguous(memory_format=torch.channels_last_3d) if self.channels_last else x
        for i in range(self.n):
            h = getattr(self, f'block{i}')(h, loc, self.channels_last)
        return self.head(h.mean(dim=(2, 3, 4)))


def augment(x, gen):
    """drasClrAugment on [B, 1, d, d, d]: the same draws per sample as medcl's (not the same random numbers)."""
    b = x.shape[0]
    u = lambda lo, hi, *s: torch.empty(*s).uniform_(lo, hi, generator=gen)  # noqa: E731
    ang = u(-10, 10, b, 3) * math.pi / 180
    shift = u(-0.375, 0.375, b, 3) * 2  # fractions of the size -> normalised [-1, 1] units
    scale = u(0.9, 1.1, b)
    cx, cy, cz = torch.cos(ang).unbind(1)
    sx, sy, sz = torch.sin(ang).unbind(1)
    one, zero = torch.ones(b), torch.zeros(b)
    rx = torch.stack([one, zero, zero, zero, cx, -sx, zero, sx, cx], 1).reshape(b, 3, 3)
    ry = torch.stack([cy, zero, sy, zero, one, zero, -sy, zero, cy], 1).reshape(b, 3, 3)
    rz = torch.stack([cz, -sz, zero, sz, cz, zero, zero, zero, one], 1).reshape(b, 3, 3)
    a = (rz @ ry @ rx) / scale.reshape(b, 1, 1)
    theta = torch.cat([a, shift.unsqueeze(2)], 2)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode='bilinear', padding_mode='border', align_corners=False)
    # Gaussian noise, p 0.25, std U(0, 50/632): computed for every sample, sigma 0 where not applied (as medcl)
    sigma = torch.where(u(0, 1, b) < 0.25, u(0, 50 / 632, b), torch.zeros(b)).reshape(b, 1, 1, 1, 1)
    x = x + torch.randn(x.shape, generator=gen) * sigma
    # gamma, p 0.25, U(0.5, 4.5), on the sample's min-max range
    applied = (u(0, 1, b) < 0.25).reshape(b, 1, 1, 1, 1)
    g = u(0.5, 4.5, b).reshape(b, 1, 1, 1, 1)
    lo = x.amin(dim=(1, 2, 3, 4), keepdim=True)
    rng = x.amax(dim=(1, 2, 3, 4), keepdim=True) - lo
    safe = torch.where(rng > 0, rng, torch.ones_like(rng))
    out = ((x - lo) / safe).pow(g) * rng + lo
    return torch.where(applied, out, x)


def local_loss(q, k, negs, valid, tau):
    pos = (q * k).sum(1, keepdim=True) / tau
    neg = (q @ negs.T / tau).masked_fill(~valid, float('-inf'))
    per = torch.cat([pos, neg], 1).logsumexp(1) - pos.squeeze(1)
    has = valid.any(1)
    return torch.where(has, per, torch.zeros_like(per)).sum() / has.sum().clamp_min(1)


def neighbour_loss(r, k, negs, valid, tau):
    """eq. 8: one softmax over the l (1 + K) pairs, the l positive pairs together the positive set."""
    pos = (r * k.unsqueeze(1)).sum(2) / tau  # [B, l]
    neg = (r @ negs.T / tau).masked_fill(~valid.unsqueeze(1), float('-inf'))  # [B, l, K]
    per = torch.cat([pos, neg.flatten(1)], 1).logsumexp(1) - pos.logsumexp(1)
    has = valid.any(1)
    return torch.where(has, per, torch.zeros_like(per)).sum() / has.sum().clamp_min(1)


class Run:
    """One learner: networks, optimiser, banks and draws of its own (`data`: the patches, shared)."""

    def __init__(self, cfg, data):
        self.cfg = cfg
        self.data = data
        self.loc = [torch.tensor([p], dtype=torch.float32) for p in cfg['locations']]
        w = np.array(cfg['worlds'], dtype=np.float64)
        dist = ((w[:, None, :] - w[None, :, :]) ** 2).sum(2)
        self.nearest = [[int(i) for i in np.argsort(dist[j], kind='stable') if i != j][:cfg['neighbours']]
                        for j in range(len(w))]
        self.patients = torch.tensor(cfg['patients'], dtype=torch.int32)
        self.np_rng = np.random.default_rng(cfg['seed'])
        self.gen = torch.Generator().manual_seed(cfg['seed'])
        torch.manual_seed(cfg['seed'])
        self.build(DrasclrEncoder(cfg['layers'], cfg['experts'], cfg['dim']))

    def build(self, query, banks=None):
        cfg = self.cfg
        self.query = query
        self.key = DrasclrEncoder(cfg['layers'], cfg['experts'], cfg['dim'])
        self.key.load_state_dict(self.query.state_dict())
        for p in self.key.parameters():
            p.requires_grad_(False)
        self.query.train()
        self.key.train()
        self.opt = torch.optim.SGD(self.query.parameters(), lr=cfg['lr'], momentum=cfg['momentum'],
                                   weight_decay=cfg['weightDecay'])
        L, K, D = cfg['landmarks'], cfg['queue'], cfg['dim']
        if banks is None:  # full queues of random unit keys from patients drawn at random (the bench's steady state)
            keys = F.normalize(torch.randn(L, K, D, generator=self.gen), dim=2)
            banks = (keys, torch.randint(0, cfg['scans'], (L, K), generator=self.gen, dtype=torch.int32),
                     torch.ones(L, K, dtype=torch.bool))
        self.bank_keys = banks[0].to(torch.float16)
        self.bank_ids, self.bank_valid = banks[1].to(torch.int32), banks[2].to(torch.bool)
        self.ptr = [0] * L

    def step(self, j, neighbours, scans, aug, best):
        cfg, tau = self.cfg, self.cfg['tau']
        self.query.channels_last = self.key.channels_last = best
        idx = torch.tensor(scans)
        views = [self.data[idx, j] for _ in range(2)]
        if aug:
            views = [augment(v, self.gen) for v in views]
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=best):
            q = F.normalize(self.query(views[0], self.loc[j]).float(), dim=1)
            with torch.no_grad():
                k = F.normalize(self.key(views[1], self.loc[j]).float(), dim=1)
            ids = self.patients[idx]
            valid = self.bank_valid[j].unsqueeze(0) & (self.bank_ids[j].unsqueeze(0) != ids.unsqueeze(1))
            negs = torch.where(valid.any(0).unsqueeze(1), self.bank_keys[j].float(), torch.zeros(()))
            rs = []
            for l in neighbours:
                x = self.data[idx, l]
                rs.append(F.normalize(self.query(augment(x, self.gen) if aug else x, self.loc[l]).float(), dim=1))
        local = local_loss(q, k, negs, valid, tau)
        neighbour = neighbour_loss(torch.stack(rs, 1), k, negs, valid, tau) if rs else None
        loss = local + neighbour if neighbour is not None else local
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.update(j, k, ids)
        return loss.item(), local.item(), neighbour.item() if neighbour is not None else None

    @torch.no_grad()
    def update(self, j, k, ids):
        m = self.cfg['ema']
        for pk, pq in zip(self.key.parameters(), self.query.parameters()):
            pk.mul_(m).add_(pq, alpha=1 - m)
        for bk, bq in zip(self.key.buffers(), self.query.buffers()):
            bk.copy_(bq)
        b, K = k.shape[0], self.cfg['queue']
        slots = (torch.arange(b) + self.ptr[j]) % K
        self.bank_keys[j, slots] = k.to(torch.float16)
        self.bank_ids[j, slots] = ids
        self.bank_valid[j, slots] = True
        self.ptr[j] = (self.ptr[j] + b) % K

    def draw(self):
        j = int(self.np_rng.integers(self.cfg['landmarks']))
        scans = self.np_rng.permutation(self.cfg['scans'])[:self.cfg['batch']].tolist()
        return j, self.nearest[j], scans

    def check(self, req):
        t = load_safetensors(req['file'])
        query = DrasclrEncoder(self.cfg['layers'], self.cfg['experts'], self.cfg['dim'])
        query.load_state_dict({n[len('encoder.'):]: v for n, v in t.items() if n.startswith('encoder.')}, strict=True)
        self.build(query, (t['banks.keys'], t['banks.ids'], t['banks.valid']))
        params = sum(p.numel() for p in query.parameters())
        steps = []
        for s in req['steps']:
            loss, local, neighbour = self.step(s['landmark'], s['neighbours'], s['scans'], False, False)
            steps.append({'loss': loss, 'local': local, 'neighbour': neighbour})
        return {'params': params, 'steps': steps}


def load_patches(cfg):
    d = cfg['patch']
    return torch.from_numpy(np.fromfile(cfg['dataFile'], dtype=np.float32)).reshape(
        cfg['scans'], cfg['landmarks'], 1, d, d, d)


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
                data = load_patches(cfg)
                # one learner per mode, so that a mode's numerical trouble cannot reach the other's weights
                runs = {mode: Run(cfg, data) for mode in ('check', 'fp32', 'best')}
                print(json.dumps({'ok': True, 'torch': torch.__version__, 'threads': torch.get_num_threads(),
                                  'params': sum(p.numel() for p in runs['fp32'].query.parameters())}), flush=True)
            elif cmd == 'check':
                print(json.dumps(runs['check'].check(json.loads(parts[1]))), flush=True)
            elif cmd == 'run':
                mode, n = parts[1].split()
                run = runs[mode]
                times, losses = [], []
                for _ in range(int(n)):
                    t0 = time.perf_counter()
                    j, nb, scans = run.draw()
                    loss, _, _ = run.step(j, nb, scans, True, mode == 'best')
                    times.append(time.perf_counter() - t0)
                    losses.append(loss if math.isfinite(loss) else None)
                print(json.dumps({'times': times, 'losses': losses}), flush=True)
            elif cmd == 'quit':
                break
            else:
                print(json.dumps({'error': f'unknown command {cmd}'}), flush=True)
        except Exception as e:  # noqa: BLE001 - reported to the driver, which stops
            print(json.dumps({'error': f'{type(e).__name__}: {e}'}), flush=True)


if __name__ == '__main__':
    main()
