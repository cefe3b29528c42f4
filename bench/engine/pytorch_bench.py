#!/usr/bin/python3
"""The engine benchmark's reference side: the identical workloads in PyTorch (Debian's python3-torch).

Runs as a persistent child of bench/engine/run.ts so the two sides can be interleaved. Protocol on stdin, one
command a line: `setup <json>` then `run <workload> <steps>`; replies one JSON line each.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_norm_act(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class DoubleConv(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.a = conv_norm_act(cin, cout)
        self.b = conv_norm_act(cout, cout)

    def forward(self, x):
        return self.b(self.a(x))


class Encoder(nn.Module):
    def __init__(self, widths, cin=1):
        super().__init__()
        self.stages = nn.ModuleList()
        for w in widths:
            self.stages.append(DoubleConv(cin, w))
            cin = w

    def features(self, x):
        out = []
        h = x
        for i, s in enumerate(self.stages):
            if i > 0:
                h = F.max_pool2d(h, 2)
            h = s(h)
            out.append(h)
        return out


class EncoderHead(nn.Module):
    """Encoder + global average pool + MLP 256 -> 256 -> 128 (workload a)."""

    def __init__(self, widths):
        super().__init__()
        self.encoder = Encoder(widths)
        self.fc1 = nn.Linear(widths[-1], 256)
        self.fc2 = nn.Linear(256, 128)

    def forward(self, x):
        f = self.encoder.features(x)[-1]
        return self.fc2(F.relu(self.fc1(f.mean(dim=(2, 3)))))


class Up(nn.Module):
    def __init__(self, cin, cskip, cout):
        super().__init__()
        self.up = nn.ConvTranspose2d(cin, cout, 2, stride=2)
        self.conv = DoubleConv(cout + cskip, cout)

    def forward(self, x, skip):
        return self.conv(torch.cat([skip, self.up(x)], 1))


class UNet(nn.Module):
    """Full U-Net, transposed-conv decoder with skips, 3 classes (workload b)."""

    def __init__(self, widths, classes=3):
        super().__init__()
        self.encoder = Encoder(widths)
        self.ups = nn.ModuleList([Up(widths[i], widths[i - 1], widths[i - 1]) for i in range(len(widths) - 1, 0, -1)])
        self.head = nn.Conv2d(widths[0], classes, 1)

    def forward(self, x):
        feats = self.encoder.features(x)
        h = feats[-1]
        for j, up in enumerate(self.ups):
            h = up(h, feats[-2 - j])
        return self.head(h)


def main():
    state = {}
    for line in sys.stdin:
        parts = line.strip().split(' ', 1)
        if not parts[0]:
            continue
        cmd = parts[0]
        if cmd == 'setup':
            cfg = json.loads(parts[1])
            torch.set_num_threads(cfg['threads'])
            torch.manual_seed(0)
            # 'cpu' (default) or 'cuda[:N]': models and tensors live there (bench/gpu/run.sh)
            dev = torch.device(cfg.get('device', 'cpu'))
            state['device'] = dev
            widths = cfg['widths']
            size = cfg['size']
            enc = EncoderHead(widths)
            enc_opt = torch.optim.SGD(enc.parameters(), lr=0.01, momentum=0.9)
            unet = UNet(widths, 3)
            unet_opt = torch.optim.SGD(unet.parameters(), lr=0.01, momentum=0.9)
            be, bu = cfg['encoderBatch'], cfg['unetBatch']
            state.update({
                'encoder': (enc, enc_opt, torch.randn(be, 1, size, size), torch.randn(be, 128), 'mse'),
                'unet': (unet, unet_opt, torch.randn(bu, 1, size, size), torch.randint(0, 3, (bu, size, size)), 'ce'),
            })
            # The same models in channels-last (not PyTorch's default; reported as a second reference).
            cl = torch.channels_last
            enc_cl = EncoderHead(widths).to(memory_format=cl)
            unet_cl = UNet(widths, 3).to(memory_format=cl)
            state['encoder_cl'] = (enc_cl, torch.optim.SGD(enc_cl.parameters(), lr=0.01, momentum=0.9),
                                   torch.randn(be, 1, size, size).contiguous(memory_format=cl), torch.randn(be, 128), 'mse')
            state['unet_cl'] = (unet_cl, torch.optim.SGD(unet_cl.parameters(), lr=0.01, momentum=0.9),
                                torch.randn(bu, 1, size, size).contiguous(memory_format=cl),
                                torch.randint(0, 3, (bu, size, size)), 'ce')
            for k in ['encoder', 'unet', 'encoder_cl', 'unet_cl']:
                m, _o, x, y, kind = state[k]
                m.to(dev)  # in place: the optimiser's parameters move with it
                state[k] = (m, _o, x.to(dev), y.to(dev), kind)
            print(json.dumps({'ok': True, 'torch': torch.__version__, 'threads': torch.get_num_threads(),
                              'device': str(dev)}), flush=True)
        elif cmd == 'run':
            name, steps = parts[1].split()
            model, opt, x, y, loss_kind = state[name]
            model.train()
            times = []
            for _ in range(int(steps)):
                t0 = time.perf_counter()
                out = model(x)
                loss = F.mse_loss(out, y) if loss_kind == 'mse' else F.cross_entropy(out, y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                loss.item()
                times.append(time.perf_counter() - t0)
            print(json.dumps({'times': times}), flush=True)
        elif cmd == 'conv':
            # conv <cin> <cout> <hw> <batch> <steps>: one 3x3 conv forward + backward (input and weight grads)
            cin, cout, hw, b, steps = map(int, parts[1].split())
            dev = state.get('device', torch.device('cpu'))
            conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False).to(dev)
            x = torch.randn(b, cin, hw, hw, device=dev, requires_grad=True)
            g = torch.randn(b, cout, hw, hw, device=dev)
            times = []
            for _ in range(steps):
                t0 = time.perf_counter()
                out = conv(x)
                out.backward(g)
                x.grad = None
                conv.weight.grad = None
                if dev.type == 'cuda':
                    torch.cuda.synchronize(dev)
                times.append(time.perf_counter() - t0)
            print(json.dumps({'times': times}), flush=True)
        elif cmd == 'quit':
            break


if __name__ == '__main__':
    main()
