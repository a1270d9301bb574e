# Copyright (c) mmcorr contributors. All rights reserved.
"""MAST mask propagation: mmcorr against the official code, and mmcorr at
DAVIS' 480 x 854 with the official memory.

1. Head to head at ``--size`` (default 240 x 432, where the official code
   fits in this machine's memory), CPU, ``--threads`` threads, eval mode,
   ``torch.no_grad``: one propagation step to frame 32 from the official
   memory (frames 0 and 5, which are far and take the ROI path, and 27, 29,
   31), 25 x 25 windows, 7 label channels.

   - official: zlai0/MAST's ``MAST`` (``models/``, from a checkout outside
     this repo given by ``--official-root``) with a CPU build of
     ``spatial-correlation-sampler`` (``--sampler-site``, see
     ``docs/benchmarks.md``); as its ``benchmark.py`` runs it, a step
     encodes the current frame AND every memory frame.
   - mmcorr: ``MASTVideoSegmentor`` with the official weights converted by
     ``convert_mast`` and the legacy options on (the official
     ``far_labels_at_last_offset`` and ``align_corners``), so that the
     outputs must agree; a step of ``propagate`` encodes the current frame
     only (memory keys are kept), and a second figure re-encodes the
     memory as the official code does (same work).

   Equal outputs first: the class scores of both must agree to
   ``--atol`` and their arg-max labels everywhere but near-ties, before
   anything is timed. Times: median of ``--repeats`` alternating rounds.
   Peak memory: the resident-set growth of one step in a fresh process
   (``peak_memory.py``), weights and inputs already allocated.
2. mmcorr alone at 480 x 854: ``propagate`` over ``--frames`` frames (far
   frames from frame 16 on, both long-term frames far from 21 on), time
   per frame (median over the frames from 21 on) and peak memory growth of
   the whole propagation, in a fresh process.

Usage::

    python benchmarks/video_propagation.py --official-root PATH \
        --sampler-site PATH [--threads 2] [--repeats 3] [--quick]
"""
import argparse
import json
import os.path as osp
import statistics
import sys
import tempfile
import time
import types

import torch
import torch.nn.functional as F
from peak_memory import measure_in_subprocess, peak_growth_mib

from mmcorr.models.converters import convert_mast
from mmcorr.models.video import one_hot_labels
from mmcorr.registry import MODELS

MEMORY = [0, 5, 27, 29, 31]
CURRENT = 32
LABELS = 7


def official_model(args):
    """zlai0/MAST's MAST(training=False), its default initialisation
    (seed 0) with the post-convolution scaled by 0.05 (as the parity
    fixture, so that the softmax is not saturated)."""
    sys.path[:0] = [args.sampler_site, args.official_root]
    from models.mast import MAST
    torch.manual_seed(0)
    model = MAST(types.SimpleNamespace(training=False)).eval()
    with torch.no_grad():
        model.post_convolution.weight.mul_(0.05)
        model.post_convolution.bias.mul_(0.05)
    return model


def mmcorr_model(state_dict, legacy=True):
    reader = dict(type='WindowedMemoryReader')
    if legacy:
        reader.update(far_labels_at_last_offset=True,
                      far_window_align_corners=False)
    model = MODELS.build(
        dict(type='MASTVideoSegmentor', backbone=dict(type='ResNet18Stride4'),
             memory_reader=reader))
    converted, unused = convert_mast(state_dict)
    assert not unused, unused
    model.load_state_dict(converted, strict=True)
    return model.eval()


def inputs(size, seed=1):
    """Lab-normalised frames (smooth noise) and 7-class label maps."""
    gen = torch.Generator().manual_seed(seed)
    height, width = size

    def frame():
        low = torch.randn(1, 3, height // 16, width // 16, generator=gen)
        return F.interpolate(low, size=size, mode='bilinear',
                             align_corners=False)

    frames = [frame() for _ in MEMORY] + [frame()]
    labels = [
        F.interpolate(
            torch.randint(0, LABELS, (1, 1, height // 16, width // 16),
                          generator=gen).float(), size=size, mode='nearest')
        for _ in MEMORY
    ]
    return frames, labels


def official_step(model, frames, labels):
    scores = model(frames[:-1], labels, frames[-1], MEMORY, CURRENT)
    return F.interpolate(scores, size=frames[-1].shape[-2:],
                         mode='bilinear')


class MMCorrStep:
    """One step of ``propagate``: memory keys and values kept."""

    def __init__(self, model, frames, labels, reencode=False):
        self.model, self.frames, self.reencode = model, frames, reencode
        self.keys = [model.extract_keys(f) for f in frames[:-1]]
        self.values = [one_hot_labels(model.subsample(lab), LABELS)
                       for lab in labels]

    def __call__(self):
        model = self.model
        keys = [model.extract_keys(f) for f in self.frames[:-1]] \
            if self.reencode else self.keys
        scores = model.read_memory(model.extract_keys(self.frames[-1]), keys,
                                   self.values, MEMORY, CURRENT)
        return F.interpolate(scores, size=self.frames[-1].shape[-2:],
                             mode='bilinear', align_corners=False)


def check_equal(args, official, mmcorr, frames, labels):
    with torch.no_grad():
        ref = official_step(official, frames, labels)
        out = MMCorrStep(mmcorr, frames, labels)()
    diff = (ref - out).abs().max().item()
    agree = (ref.argmax(1) == out.argmax(1)).float().mean().item()
    print(f'equal outputs: max |official - mmcorr| = {diff:.2e} '
          f'(tolerance {args.atol}), arg-max labels agree on '
          f'{100 * agree:.3f}% of pixels')
    if diff > args.atol or agree < 0.999:
        raise SystemExit('outputs differ: not timing')


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        with torch.no_grad():
            fn()
        times.append(time.perf_counter() - start)
    return times


def worker(spec, args):
    """Fresh process: build one side, measure the peak of one call."""
    torch.set_num_threads(args.threads)
    size = tuple(spec['size'])
    frames, labels = inputs(size)
    official = official_model(args) if spec['side'] != 'mmcorr480' else None
    if spec['side'] == 'official':
        fn = lambda: official_step(official, frames, labels)  # noqa: E731
    elif spec['side'] == 'mmcorr480':
        model = mmcorr_model(torch.load(spec['weights'], weights_only=True),
                             legacy=False)
        clip = video(size, spec['frames'])
        fn = lambda: model.propagate(clip[0], clip[1])  # noqa: E731
    else:
        model = mmcorr_model(official.state_dict())
        fn = MMCorrStep(model, frames, labels, spec['side'] == 'reencode')
    with torch.no_grad():
        print(peak_growth_mib(fn))


def video(size, num_frames, seed=2):
    """A drifting smooth-noise clip and a first-frame mask of 3 objects."""
    gen = torch.Generator().manual_seed(seed)
    height, width = size
    base = F.interpolate(torch.randn(1, 3, height // 8, width // 8 + 8,
                                     generator=gen), size=(height, width + 64),
                         mode='bilinear', align_corners=False)
    frames = [base[..., 2 * t % 64:2 * t % 64 + width]
              for t in range(num_frames)]
    first = torch.zeros(1, 1, height, width, dtype=torch.long)
    first[..., 100:200, 100:300] = 1
    first[..., 250:400, 400:600] = 2
    first[..., 50:150, 600:800] = 3
    return frames, first


def head_to_head(args, results):
    size = tuple(args.size)
    official = official_model(args)
    mmcorr = mmcorr_model(official.state_dict())
    frames, labels = inputs(size)
    check_equal(args, official, mmcorr, frames, labels)
    sides = dict(
        official=lambda: official_step(official, frames, labels),
        mmcorr=MMCorrStep(mmcorr, frames, labels),
        reencode=MMCorrStep(mmcorr, frames, labels, reencode=True))
    times = {name: [] for name in sides}
    for _ in range(args.repeats):  # alternate, so drifts hit every side
        for name, fn in sides.items():
            times[name] += timed(fn, 1)
    script = __file__
    for name in sides:
        spec = dict(side=name, size=size)
        extra = ['--official-root', args.official_root, '--sampler-site',
                 args.sampler_site, '--threads', str(args.threads)]
        results[name] = dict(
            seconds=statistics.median(times[name]),
            peak_mib=measure_in_subprocess(script, spec, *extra))
    base = results['official']
    print(f'\n{size[0]} x {size[1]}, memory {MEMORY} -> {CURRENT}, '
          f'{args.threads} threads')
    print(f'{"":<36}{"s / frame":>10}{"speed-up":>10}{"peak MiB":>10}'
          f'{"ratio":>8}')
    for name, label in (('official', 'official (encodes the memory)'),
                        ('reencode', 'mmcorr, encoding the memory too'),
                        ('mmcorr', 'mmcorr (memory keys kept)')):
        r = results[name]
        print(f'{label:<36}{r["seconds"]:>10.3f}'
              f'{base["seconds"] / r["seconds"]:>9.1f}x'
              f'{r["peak_mib"]:>10.0f}'
              f'{r["peak_mib"] / base["peak_mib"]:>8.2f}')
    return official


def davis_size(args, results, official):
    size, frames = (480, 854), args.frames
    model = mmcorr_model(official.state_dict(), legacy=False)
    clip = video(size, frames)
    per_frame = []
    read = model.read_memory

    def timed_read(*a, **k):
        start = time.perf_counter()
        out = read(*a, **k)
        per_frame.append(time.perf_counter() - start)
        return out

    model.read_memory = timed_read
    start = time.perf_counter()
    with torch.no_grad():
        model.propagate(*clip)
    total = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:  # the weights, for the worker
        weights = osp.join(tmp, 'weights.pth')
        torch.save(official.state_dict(), weights)
        peak = measure_in_subprocess(
            __file__, dict(side='mmcorr480', size=size, frames=frames,
                           weights=weights), '--official-root',
            args.official_root, '--sampler-site', args.sampler_site,
            '--threads', str(args.threads))
    # frames from 21 on read all 5 memory frames, two of them far
    steady = statistics.median(per_frame[20:] or per_frame)
    results['mmcorr_480p'] = dict(frames=frames, total_seconds=total,
                                  seconds_per_frame=total / (frames - 1),
                                  memory_read_seconds_steady=steady,
                                  peak_mib=peak)
    print(f'\nmmcorr at 480 x 854, {frames} frames, official memory: '
          f'{total / (frames - 1):.2f} s per frame (median memory read from '
          f'frame 21 on: {steady:.2f} s), peak memory growth {peak:.0f} MiB')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--official-root', required=True)
    parser.add_argument('--sampler-site', required=True)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--size', type=int, nargs=2, default=(240, 432))
    parser.add_argument('--frames', type=int, default=26,
                        help='frames propagated at 480 x 854 (>= 22 for '
                        'frames that read all 5 memory frames)')
    parser.add_argument('--atol', type=float, default=1e-3)
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--out', help='write the figures as JSON')
    parser.add_argument('--worker')
    args = parser.parse_args()
    if args.worker:
        return worker(json.loads(args.worker), args)
    torch.set_num_threads(args.threads)
    if args.quick:
        args.size, args.repeats, args.frames = (96, 128), 1, 23
    results = {}
    official = head_to_head(args, results)
    davis_size(args, results, official)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)


if __name__ == '__main__':
    main()
