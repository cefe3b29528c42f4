#!/usr/bin/python3
"""The precision benchmark's reference side: the engine benchmark's two workloads in PyTorch (Debian's python3-torch),
in float32 and under `torch.autocast('cpu', dtype=torch.bfloat16)`.

Runs as a persistent child of bench/precision/run.ts so the sides can be interleaved. Protocol on stdin, one command a
line: `setup <json>`, then `run <workload>_<mode> <steps>` with mode fp32 | bf16 | bf16cl (bf16 with the models and
inputs in channels-last, not PyTorch's default; a second reference), or `profile <workload>_<mode> <steps>` (the same
steps under torch.autograd.profiler.profile(use_kineto=False), replying the operators' key_averages); replies one
JSON line each.
The models are the engine benchmark's (bench/engine/pytorch_bench.py), imported, so both benchmarks time the same nets.
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'engine'))
from pytorch_bench import EncoderHead, UNet  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'profile'))
from ops_profile import profile_reply  # noqa: E402


def build(kind, widths, size, batch, channels_last):
    model = EncoderHead(widths) if kind == 'encoder' else UNet(widths, 3)
    x = torch.randn(batch, 1, size, size)
    y = torch.randn(batch, 128) if kind == 'encoder' else torch.randint(0, 3, (batch, size, size))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return model, opt, x, y


def loss_of(kind, out, y):
    return F.mse_loss(out, y) if kind == 'encoder' else F.cross_entropy(out, y)


def train_step(entry):
    """one step (forward + loss, backward, SGD); returns its seconds"""
    kind, mode, model, opt, x, y = entry
    model.train()
    t0 = time.perf_counter()
    if mode == 'fp32':
        loss = loss_of(kind, model(x), y)
    else:
        # forward and loss under autocast, backward outside (PyTorch's recipe)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            loss = loss_of(kind, model(x), y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    loss.item()
    return time.perf_counter() - t0


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
            widths, size = cfg['widths'], cfg['size']
            batches = {'encoder': cfg['encoderBatch'], 'unet': cfg['unetBatch']}
            for kind in ('encoder', 'unet'):
                for mode in ('fp32', 'bf16', 'bf16cl'):
                    state[f'{kind}_{mode}'] = (kind, mode) + build(kind, widths, size, batches[kind], mode == 'bf16cl')
            # what autocast does to the U-Net's output here (reported with the results)
            kind, mode, model, opt, x, y = state['unet_bf16']
            with torch.autocast('cpu', dtype=torch.bfloat16):
                out = model(x)
            print(json.dumps({'ok': True, 'torch': torch.__version__, 'threads': torch.get_num_threads(),
                              'unetBf16OutputDtype': str(out.dtype).replace('torch.', '')}), flush=True)
        elif cmd == 'run':
            name, steps = parts[1].split()
            times = [train_step(state[name]) for _ in range(int(steps))]
            print(json.dumps({'times': times}), flush=True)
        elif cmd == 'profile':
            name, steps = parts[1].split()
            print(profile_reply(lambda: train_step(state[name]), int(steps)), flush=True)
        elif cmd == 'quit':
            break


if __name__ == '__main__':
    main()
