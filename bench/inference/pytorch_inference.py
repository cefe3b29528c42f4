#!/usr/bin/python3
"""The inference benchmark's reference side: medcl's U-Net in PyTorch (Debian's python3-torch), with medcl's weights.

Runs as a persistent child of bench/inference/run.ts so the sides can be interleaved. The network is built with
medcl's module names (encoder.stage0.0.conv.weight, up3.up.weight, head.bias ...), so medcl's state dict, written as
a safetensors file, loads key by key. Protocol on stdin, one command a line, one JSON line back each:
  setup <json>           weights (safetensors), volume (raw float32 (D, 1, S, S)), widths, classes, threads, batch
  run <config> <passes>  time `passes` passes over the volume: forward + argmax per batch; {"times": [...]}
  logits <config> <file> write the logits of the first batch (float32) to file
Configs: fp32 (contiguous), fp32_cl (channels-last), bf16_cl (channels-last, bfloat16 autocast); all under
torch.inference_mode and in eval mode (BatchNorm with running statistics).
"""
import json
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SLOPE = 0.01  # medcl's U-Net activation: LeakyReLU(0.01)

DTYPES = {'F32': torch.float32, 'F64': torch.float64, 'I64': torch.int64, 'F16': torch.float16, 'BF16': torch.bfloat16}


def load_safetensors(path):
    """A safetensors file by its format (8-byte header length, JSON header, raw little-endian data)."""
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    body = memoryview(raw)[8 + n:]
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        a, b = info['data_offsets']
        t = torch.frombuffer(bytearray(body[a:b]), dtype=DTYPES[info['dtype']]) if b > a else torch.empty(0)
        out[name] = t.reshape(info['shape']).clone()
    return out


class ConvNormAct(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.leaky_relu(self.norm(self.conv(x)), SLOPE, inplace=True)


class DoubleConv(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.add_module('0', ConvNormAct(cin, cout))
        self.add_module('1', ConvNormAct(cout, cout))

    def forward(self, x):
        return self._modules['1'](self._modules['0'](x))


class Encoder(nn.Module):
    def __init__(self, widths):
        super().__init__()
        cin = 1
        for i, w in enumerate(widths):
            self.add_module(f'stage{i}', DoubleConv(cin, w))
            cin = w
        self.n = len(widths)

    def features(self, x):
        out = []
        h = x
        for i in range(self.n):
            if i > 0:
                h = F.max_pool2d(h, 2)
            h = self._modules[f'stage{i}'](h)
            out.append(h)
        return out


class UpStage(nn.Module):
    def __init__(self, cin, cskip, cout):
        super().__init__()
        self.up = nn.ConvTranspose2d(cin, cout, 2, stride=2)
        self.conv = DoubleConv(cout + cskip, cout)

    def forward(self, x, skip):
        return self.conv(torch.cat([skip, self.up(x)], 1))


class UNet(nn.Module):
    """medcl's UNet (src/models/unet.ts) with transposed-conv upsampling, BatchNorm and LeakyReLU(0.01)."""

    def __init__(self, widths, classes):
        super().__init__()
        self.encoder = Encoder(widths)
        self.names = []
        for i in range(len(widths) - 1, 0, -1):
            self.add_module(f'up{i - 1}', UpStage(widths[i], widths[i - 1], widths[i - 1]))
            self.names.append(f'up{i - 1}')
        self.head = nn.Conv2d(widths[0], classes, 1)

    def forward(self, x):
        feats = self.encoder.features(x)
        h = feats[-1]
        for j, name in enumerate(self.names):
            h = self._modules[name](h, feats[-2 - j])
        return self.head(h)


def run_batches(model, x, batch, cl, bf16):
    labels = []
    for z in range(0, x.shape[0], batch):
        xb = x[z:z + batch]
        if cl:
            xb = xb.contiguous(memory_format=torch.channels_last)
        if bf16:
            with torch.autocast('cpu', dtype=torch.bfloat16):
                logits = model(xb)
        else:
            logits = model(xb)
        labels.append(logits.argmax(1).to(torch.uint8))
    return torch.cat(labels)


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
            sd = load_safetensors(cfg['weights'])
            model = UNet(cfg['widths'], cfg['classes'])
            model.load_state_dict(sd, strict=True)
            model.eval()
            model_cl = UNet(cfg['widths'], cfg['classes'])
            model_cl.load_state_dict(sd, strict=True)
            model_cl.eval().to(memory_format=torch.channels_last)
            with open(cfg['volume'], 'rb') as f:
                vol = torch.frombuffer(bytearray(f.read()), dtype=torch.float32)
            s = cfg['size']
            state = {
                'x': vol.reshape(-1, 1, s, s).clone(),
                'batch': cfg['batch'],
                'fp32': (model, False, False),
                'fp32_cl': (model_cl, True, False),
                'bf16_cl': (model_cl, True, True),
            }
            print(json.dumps({'ok': True, 'torch': torch.__version__, 'threads': torch.get_num_threads()}), flush=True)
        elif cmd == 'run':
            name, passes = parts[1].split()
            model, cl, bf16 = state[name]
            times = []
            with torch.inference_mode():
                for _ in range(int(passes)):
                    t0 = time.perf_counter()
                    run_batches(model, state['x'], state['batch'], cl, bf16)
                    times.append(time.perf_counter() - t0)
            print(json.dumps({'times': times}), flush=True)
        elif cmd == 'logits':
            name, path = parts[1].split()
            model, cl, bf16 = state[name]
            xb = state['x'][:state['batch']]
            with torch.inference_mode():
                if cl:
                    xb = xb.contiguous(memory_format=torch.channels_last)
                with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
                    logits = model(xb).float().contiguous()
            with open(path, 'wb') as f:
                f.write(logits.numpy().tobytes())
            print(json.dumps({'ok': True, 'shape': list(logits.shape)}), flush=True)
        elif cmd == 'quit':
            break


if __name__ == '__main__':
    main()
