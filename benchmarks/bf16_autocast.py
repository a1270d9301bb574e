# Copyright (c) mmcorr contributors. All rights reserved.
"""Training step speed with and without bfloat16 autocast, same process.

The MAST encoder of the embedded benchmark (``ResNet18Stride4`` + key
projection) on a batch of ``--batch`` frames at ``--size``: forward,
backward and an Adam step, float32 against ``torch.autocast('cpu',
bfloat16)`` (what ``BF16AutocastOptimWrapper`` enters); median of
``--repeats`` alternating rounds after one warm-up each.

Usage::

    python benchmarks/bf16_autocast.py [--batch 16] [--size 96 128] \
        [--threads 2] [--repeats 3]
"""
import argparse
import statistics
import time

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmcorr.registry import MODELS

CONFIG = 'configs/mast/mast_r18_1xb8-640it-bf16_photo-videos-96x128.py'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--size', type=int, nargs=2, default=(96, 128))
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    init_default_scope('mmcorr')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    frames = torch.randn(args.batch, 3, *args.size)

    def step(bf16: bool) -> float:
        start = time.perf_counter()
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            keys = model.extract_keys(frames)
        loss = keys.float().square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return time.perf_counter() - start

    times = {False: [], True: []}
    for bf16 in times:
        step(bf16)
    for _ in range(args.repeats):
        for bf16 in times:
            times[bf16].append(step(bf16))
    fp32, bf16 = (statistics.median(times[k]) for k in (False, True))
    print(f'float32 {fp32:.2f} s, bfloat16 autocast {bf16:.2f} s per step '
          f'({args.batch} x {args.size[0]} x {args.size[1]}): '
          f'{fp32 / bf16:.2f}x')


if __name__ == '__main__':
    main()
