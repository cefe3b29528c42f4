"""Operator profiles for the benchmarks' PyTorch sides (bench/precision, bench/pretrain): `steps` calls of `step`
under torch.autograd.profiler.profile(use_kineto=False), libtorch's legacy profiler, the one medcl binds
(src/engine/profiler.ts), so both sides' operator lists come from the same recorder."""
import json

import torch


def profile_reply(step, steps):
    """The operators' key_averages as one JSON line: by name, and by name and input shapes."""
    with torch.autograd.profiler.profile(use_kineto=False, record_shapes=True):
        step()  # as on the medcl side: a process's first profile pays a one-off cost; discarded
    with torch.autograd.profiler.profile(use_kineto=False, record_shapes=True) as prof:
        for _ in range(steps):
            step()
    ops = [{'name': e.key, 'count': e.count, 'totalUs': e.cpu_time_total, 'selfUs': e.self_cpu_time_total}
           for e in prof.key_averages()]
    # the shapes as a JSON list ('[]' when none), as bench/profile/compare.ts names medcl's ranges
    shaped = [{'name': e.key + ' ' + json.dumps(e.input_shapes, separators=(',', ':')), 'count': e.count,
               'totalUs': e.cpu_time_total, 'selfUs': e.self_cpu_time_total}
              for e in prof.key_averages(group_by_input_shape=True)]
    return json.dumps({'ops': ops, 'shaped': shaped})
