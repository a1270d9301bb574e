# Copyright (c) mmcorr contributors. All rights reserved.
"""SFNet semantic-correspondence inference: one-shot vs chunked matching.

At an input of S x S the matcher correlates two (S/16)^2-position maps in both
directions. One-shot matching holds each full correlation volume and the
soft-argmax temporaries; with ``chunk_size`` only one chunk of each volume
exists at a time. Measured on the matching stage alone (backbone features
given) and on the whole model (random ImageNet-sized ResNet-101), batch 1,
eval mode; peak memory in a fresh process per case.

    python benchmarks/correspondence.py [--size 640] [--chunk 256]
"""
import argparse
import json
import statistics
import time

import torch
from mmengine.config import Config
from peak_memory import measure_in_subprocess, peak_growth_mib

from mmcorr.registry import MODELS

CONFIG = 'configs/_base_/models/sfnet-corr_r101.py'


def build(chunk):
    cfg = Config.fromfile(CONFIG)
    cfg.model.backbone.init_cfg = None
    cfg.model.data_preprocessor = None
    cfg.model.chunk_size = chunk
    return MODELS.build(cfg.model).eval()


def make_call(stage, chunk, size):
    model = build(chunk)
    gen = torch.Generator().manual_seed(0)
    if stage == 'full':
        pair = torch.randn(1, 2, 3, size, size, generator=gen)
        return lambda: model(pair, mode='tensor')
    side = size // 16
    feats = [(torch.randn(1, 1024, side, side, generator=gen).relu(),
              torch.randn(1, 2048, side // 2, side // 2, generator=gen).relu())
             for _ in range(2)]
    src, tgt = (model.adapt_features(*f) for f in feats)
    return lambda: model.match(src, tgt)


def worker(spec):
    spec = json.loads(spec)
    call = make_call(spec['stage'], spec['chunk'], spec['size'])
    with torch.no_grad():
        print(peak_growth_mib(call))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, default=640)
    parser.add_argument('--chunk', type=int, default=256)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.worker:
        return worker(args.worker)
    print(f'input {args.size}x{args.size}, features {args.size // 16}^2, '
          f'{args.threads} threads\n')
    print('| stage | matching | ms | peak extra MiB |')
    print('|---|---|---|---|')
    for stage in ('match', 'full'):
        for chunk in (None, args.chunk):
            call = make_call(stage, chunk, args.size)
            with torch.no_grad():
                call()
                times = []
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    call()
                    times.append(time.perf_counter() - start)
            mib = measure_in_subprocess(
                __file__, dict(stage=stage, chunk=chunk, size=args.size),
                '--threads', str(args.threads))
            name = 'one-shot' if chunk is None else f'chunks of {chunk}'
            print(f'| {stage} | {name} | '
                  f'{statistics.median(times) * 1e3:.0f} | {mib:.0f} |')


if __name__ == '__main__':
    main()
