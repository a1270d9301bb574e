# Copyright (c) mmcorr contributors. All rights reserved.
"""Benchmark mmcorr's correlation ops against the alternatives, in one run.

Local correlation (forward and backward time, peak extra memory):
  * ``mmcorr``: :func:`mmcorr.ops.local_correlation` (pure PyTorch on CPU);
  * ``scs``: ``spatial_correlation_sampler`` (what the official MAST uses;
    benchmark-only, never a dependency: build it on CPU as
    ``docs/benchmarks.md`` says and put it on ``PYTHONPATH``);
  * ``unfold``: ``F.unfold`` of B then a product with A, summed over channels.
Global correlation: alone, and followed by the kernel soft argmax in one shot
or a chunk of 256 positions at a time (the chunked pipeline never holds the
whole volume).

Peak extra memory is measured in a fresh process per case: the peak resident
set during the op minus the resident set before it, inputs already allocated
(Linux ``/proc/self/status``). Ratios are checked in
the same run, so the machine's speed cancels out.

Usage::

    python benchmarks/ops.py [--threads 2] [--repeats 5] [--quick] [--check]
"""
import argparse
import importlib.util
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from peak_memory import measure_in_subprocess, peak_growth_mib

from mmcorr.ops import (global_correlation, global_correlation_chunks,
                        kernel_soft_argmax, local_correlation,
                        soft_argmax_grid)

MAST = [dict(name=f'MAST C64 120x216 P25 d{d}', C=64, H=120, W=216, P=25,
             d=d) for d in (1, 2, 3, 4)]
# PWC-Net's pyramid for a 448x1024 input: levels 2..6, patch 9 (md 4)
PWC = [dict(name=f'PWC C{c} {h}x{w} P9', C=c, H=h, W=w, P=9, d=1)
       for c, h, w in ((32, 112, 256), (64, 56, 128), (96, 28, 64),
                       (128, 14, 32), (196, 7, 16))]
GLOBAL = [dict(name='SFNet 640x640 C1024 40x40', C=1024, H=40, W=40),
          dict(name='stride-8 640x640 C256 80x80', C=256, H=80, W=80)]


def scs_available() -> bool:
    return importlib.util.find_spec('spatial_correlation_sampler') is not None


def local_impl(name, case):
    patch, dil = case['P'], case['d']
    if name == 'mmcorr':
        return lambda a, b: local_correlation(a, b, patch, dil)
    if name == 'scs':
        from spatial_correlation_sampler import spatial_correlation_sample
        return lambda a, b: spatial_correlation_sample(
            a, b, kernel_size=1, patch_size=patch, stride=1, padding=0,
            dilation=1, dilation_patch=dil)
    if name == 'unfold':
        radius = (patch - 1) // 2

        def unfold(a, b):
            batch, channels, height, width = a.shape
            cols = F.unfold(b, patch, dilation=dil, padding=radius * dil)
            cols = cols.view(batch, channels, patch, patch, height, width)
            return (a[:, :, None, None] * cols).sum(1)

        return unfold
    raise KeyError(name)


def global_impl(name, case):
    size = (case['H'], case['W'])
    chunk = 256
    if name == 'one-shot':
        return lambda a, b: global_correlation(a, b, normalize=True)
    if name == 'one-shot+argmax':
        return lambda a, b: kernel_soft_argmax(
            global_correlation(a, b, normalize=True), size)[0]
    if name == 'chunked+argmax':
        return lambda a, b: torch.cat([
            soft_argmax_grid(c, size)
            for _, c in global_correlation_chunks(a, b, chunk, normalize=True)
        ], 1)
    raise KeyError(name)


def inputs(case, requires_grad=False):
    gen = torch.Generator().manual_seed(0)
    shape = (1, case['C'], case['H'], case['W'])
    return [torch.randn(shape, generator=gen).requires_grad_(requires_grad)
            for _ in range(2)]


def time_call(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_local(impl, case, repeats):
    fn = local_impl(impl, case)
    a, b = inputs(case)
    forward = time_call(lambda: fn(a, b), repeats)
    if impl == 'unfold':
        return forward, None
    a, b = inputs(case, requires_grad=True)
    out = fn(a, b)
    grad = torch.randn_like(out)

    def backward():
        torch.autograd.grad(out, (a, b), grad, retain_graph=True)

    return forward, time_call(backward, repeats)


def peak_extra_mib(kind, impl, case, threads):
    """Run one op in a fresh process; its peak RSS increase in MiB."""
    return measure_in_subprocess(__file__, dict(kind=kind, impl=impl,
                                                case=case),
                                 '--threads', str(threads))


def worker(spec):
    """Print the peak RSS growth of one call of the op described by spec."""
    spec = json.loads(spec)
    maker = local_impl if spec['kind'] == 'local' else global_impl
    fn = maker(spec['impl'], spec['case'])
    a, b = inputs(spec['case'])
    with torch.no_grad():  # first calls initialise BLAS/OpenMP buffers
        small = dict(spec['case'], H=min(spec['case']['H'], 8),
                     W=min(spec['case']['W'], 8))
        maker(spec['impl'], small)(*inputs(small))
        print(peak_growth_mib(lambda: fn(a, b)))


def gflops(case):
    return 2 * case['C'] * case['H'] * case['W'] * case['P']**2 / 1e9


def bench_local(cases, impls, args):
    rows = []
    for case in cases:
        row = dict(case=case['name'], gflop=gflops(case))
        for impl in impls:
            if impl == 'unfold' and args.quick and case['C'] > 64:
                continue
            fwd, bwd = time_local(impl, case,
                                  1 if impl == 'unfold' else args.repeats)
            row[impl] = dict(fwd_ms=fwd * 1e3,
                             bwd_ms=None if bwd is None else bwd * 1e3,
                             mem_mib=peak_extra_mib('local', impl, case,
                                                    args.threads))
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def bench_global(args):
    rows = []
    for case in GLOBAL:
        row = dict(case=case['name'])
        for impl in ('one-shot', 'one-shot+argmax', 'chunked+argmax'):
            a, b = inputs(case)
            fn = global_impl(impl, case)
            with torch.no_grad():
                ms = time_call(lambda: fn(a, b), args.repeats) * 1e3
            row[impl] = dict(ms=ms, mem_mib=peak_extra_mib(
                'global', impl, case, args.threads))
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def fmt(value, digits=0):
    return '-' if value is None else f'{value:.{digits}f}'


def report(local_rows, global_rows, impls):
    print('\n| case | GFLOP | ' + ' | '.join(
        f'{i} fwd ms | {i} bwd ms | {i} MiB' for i in impls) + ' |')
    print('|---|---|' + '---|---|---|' * len(impls))
    for row in local_rows:
        cells = []
        for impl in impls:
            r = row.get(impl, {})
            cells += [fmt(r.get('fwd_ms'), 1), fmt(r.get('bwd_ms'), 1),
                      fmt(r.get('mem_mib'), 0)]
        print(f"| {row['case']} | {row['gflop']:.2f} | " + ' | '.join(cells)
              + ' |')
    print('\n| case | correlation ms / MiB | + soft argmax, one-shot ms / '
          'MiB | + soft argmax, chunked ms / MiB |')
    print('|---|---|---|---|')
    for row in global_rows:
        cells = [f"{row[k]['ms']:.1f} / {row[k]['mem_mib']:.0f}"
                 for k in ('one-shot', 'one-shot+argmax', 'chunked+argmax')]
        print(f"| {row['case']} | " + ' | '.join(cells) + ' |')


def check(local_rows):
    """The targets of the ops issue, as ratios measured in this run."""
    failures = []
    for row in local_rows:
        if not row['case'].startswith('MAST'):
            continue
        ours, channels = row['mmcorr'], 64
        if 'scs' in row:
            for key in ('fwd_ms', 'bwd_ms'):
                speedup = row['scs'][key] / ours[key]
                line = f"{row['case']} {key}: {speedup:.1f}x faster than scs"
                print(('PASS ' if speedup >= 10 else 'FAIL ') + line)
                failures += [line] if speedup < 10 else []
        if 'unfold' in row:
            ratio = row['unfold']['mem_mib'] / max(ours['mem_mib'], 1e-3)
            line = (f"{row['case']} memory: unfold / mmcorr = {ratio:.0f} "
                    f'(target >= C = {channels})')
            print(('PASS ' if ratio >= channels else 'FAIL ') + line)
            failures += [line] if ratio < channels else []
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--quick', action='store_true',
                        help='MAST d=1 and 4 only, unfold only where C<=64')
    parser.add_argument('--check', action='store_true',
                        help='exit 1 if a target ratio is missed')
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.worker:
        return worker(args.worker)
    impls = ['mmcorr'] + (['scs'] if scs_available() else []) + ['unfold']
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, '
          f'implementations: {impls}', flush=True)
    mast = [c for c in MAST if c['d'] in (1, 4)] if args.quick else MAST
    local_rows = bench_local(mast + PWC, impls, args)
    global_rows = bench_global(args)
    report(local_rows, global_rows, impls)
    failures = check(local_rows)
    if args.check and failures:
        sys.exit(1)


if __name__ == '__main__':
    main()
