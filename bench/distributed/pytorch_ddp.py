"""One PyTorch rank of the distributed bench (bench/distributed/run.ts): the workload of workload.ts in torch, DDP
with gloo when WORLD_SIZE > 1 (init_method env://, as torchrun), embeddings gathered with
torch.distributed.nn.functional.all_gather. Prints {"rank", "imagesPerSec", "losses"} as one JSON line."""
import json
import os
import time

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.distributed.nn.functional import all_gather

SIZE, POOL = 64, 256


def image_pool():
    n = torch.arange(POOL, dtype=torch.float64).view(POOL, 1, 1)
    y = torch.arange(SIZE, dtype=torch.float64).view(1, SIZE, 1)
    x = torch.arange(SIZE, dtype=torch.float64).view(1, 1, SIZE)
    img = torch.sin(0.05 * (n % 17 + 1) * x + 0.3 * n) * torch.cos(0.07 * (n % 5 + 1) * y)
    return img.float().view(POOL, 1, SIZE, SIZE)


def stage(i, o, pool):
    m = [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU()]
    return m + ([nn.MaxPool2d(2)] if pool else [])


def nt_xent(z, tau):
    n2 = z.shape[0]
    n = n2 // 2
    sim = z @ z.t() / tau
    sim = sim.masked_fill(torch.eye(n2, dtype=torch.bool), float("-inf"))
    partner = torch.cat([torch.arange(n, n2), torch.arange(0, n)])
    return F.cross_entropy(sim, partner)


def main():
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    torch.set_num_threads(int(os.environ.get("MEDCL_THREADS", "1")))
    batch = int(os.environ.get("BENCH_BATCH", "32"))
    steps = int(os.environ.get("BENCH_STEPS", "8"))
    warmup = 2
    if world > 1:
        dist.init_process_group("gloo", init_method="env://")
    torch.manual_seed(0)
    model = nn.Sequential(*stage(1, 16, True), *stage(16, 32, True), *stage(32, 64, True), *stage(64, 128, False),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 64))
    if world > 1:
        model = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    pool = image_pool()
    local = batch // world
    losses = []

    def step(s):
        start = (s * batch + rank * local) % (POOL - local + 1)
        x = pool[start:start + local]
        z = F.normalize(model(torch.cat([x, x.flip(3)])), dim=1)
        if world > 1:
            parts = all_gather(z)
            z = torch.cat([p[:local] for p in parts] + [p[local:] for p in parts])
        loss = nt_xent(z, 0.1)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    for s in range(warmup):
        losses.append(step(s))
    if world > 1:
        dist.barrier()
    t0 = time.perf_counter()
    for s in range(warmup, warmup + steps):
        losses.append(step(s))
    sec = time.perf_counter() - t0
    print(json.dumps({"rank": rank, "imagesPerSec": 2 * batch * steps / sec, "losses": losses,
                      "threads": torch.get_num_threads(), "torch": torch.__version__}), flush=True)
    if world > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
