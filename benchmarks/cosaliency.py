# Copyright (c) mmcorr contributors. All rights reserved.
"""ICNet co-saliency inference: mmcorr against the official network, and
mmcorr's scaling with group size and input size.

1. Head to head, one process, eval mode, ``torch.no_grad``: mmcorr's
   ``ICNetCoSaliency`` against the official ``ICNet`` (blanclist/ICNet
   ``ICNet/network.py``, from a checkout outside this repo given by
   ``--icnet-root``) on a group of ``--group`` images at 224 x 224, at equal
   outputs: the official network's random initial weights are converted by
   ``convert_icnet`` into mmcorr's model, and the test maps must agree to
   ``1e-5`` (float32) before anything is timed. PyTorch's default
   initialisation makes nearly constant maps (VGG activations fade), so a
   second check scrambles the weights (He-scaled convolutions, random
   BatchNorm statistics), converts them again and requires ``1e-10`` in
   float64 (in float32 the official network itself then moves by ~1e-2
   against its float64 output: the CSA argsort and 13 VGG layers amplify
   rounding, so float32 is no test there). The two run in alternation
   (``--pair-repeats`` rounds) and the medians are reported.
2. Latency and peak memory against the group size (at 224; the official
   network too, up to ``--official-max-group``, when ``--icnet-root`` is
   given) and against the input size (group ``--size-group``,
   ``rscf_keys='fixed_grid'``; 224 is the native size, where it computes the
   official RSCF). The official network is tied to 224 x 224 (its RSCF
   widths and resizes are hard-coded), so the size sweep is mmcorr's alone.
   Every case of a sweep is run once per round, ``--repeats`` rounds, and
   the median is reported, so that drifts of the machine hit every case
   alike. Peak memory: the resident-set growth of one call in a fresh
   process (``peak_memory.py``), inputs and weights already allocated.

Only ``ICNet/network.py`` is imported (as a file, under its own module
name): it needs torch and numpy only. The CUDA calls and the
``vgg16_feat.pth`` initialisation of the official code are in ``solver.py``
and ``train.py``, which are not used, so no stand-ins are needed.

Usage::

    python benchmarks/cosaliency.py --icnet-root PATH [--threads 2]
        [--repeats 3] [--pair-repeats 5] [--official-max-group 20]
        [--quick] [--plot out.png] [--profile]
"""
import argparse
import importlib.util
import json
import os.path as osp
import statistics
import time

import torch
from peak_memory import measure_in_subprocess, peak_growth_mib

from mmcorr.models.converters import convert_icnet
from mmcorr.registry import MODELS

NATIVE = 224
GROUPS = (2, 5, 10, 20, 40)
SIZES = (160, 224, 320, 448)
QUICK_GROUPS = (2, 5)
QUICK_SIZES = (160, 224)


def load_official_network(root: str):
    """The official ``network`` module, from ``root`` (the checkout, or its
    ``ICNet`` folder), imported as ``icnet_official_network``."""
    path = osp.join(root, 'ICNet', 'network.py')
    if not osp.isfile(path):
        path = osp.join(root, 'network.py')
    spec = importlib.util.spec_from_file_location('icnet_official_network',
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class OfficialTest(torch.nn.Module):
    """The official ICNet's test forward: ``(images, sisms) -> map``."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, images, sisms):
        return self.net(images, sisms, False)


class MMCorrTest(torch.nn.Module):
    """mmcorr's ``group_maps``; its last map is the test prediction."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, images, sisms):
        return self.model.group_maps(images, sisms)[-1]


def build_pair(root, rscf_keys='native', seed=0):
    """(official or None, mmcorr): mmcorr carries the official network's
    random initial weights (converted) when ``root`` is given."""
    torch.manual_seed(seed)
    model = MODELS.build(
        dict(type='ICNetCoSaliency', backbone=dict(type='VGG16PrePoolTaps'),
             input_size=(NATIVE, NATIVE), rscf_keys=rscf_keys))
    official = None
    if root:
        torch.manual_seed(seed)
        official = load_official_network(root).ICNet()
        converted, unused = convert_icnet(official.state_dict())
        assert not unused, unused
        model.load_state_dict(converted, strict=True)
        official = OfficialTest(official).eval()
    return official, MMCorrTest(model).eval()


def make_group(num, size, seed=0):
    gen = torch.Generator().manual_seed(seed)
    images = torch.randn(num, 3, size, size, generator=gen)
    sisms = torch.sigmoid(2 * torch.randn(num, 1, size, size, generator=gen))
    return images, sisms


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def alternate(cases, repeats):
    """``{name: (model, inputs)}`` -> ``{name: [seconds]}`` and the outputs
    of the first round; every round runs every case once. Each model is
    warmed up once, on a group of 2 at its first case's size."""
    warm = {}
    for model, (images, sisms) in cases.values():
        warm.setdefault(id(model), (model, images[:2], sisms[:2]))
    for model, images, sisms in warm.values():
        model(images, sisms)
    times = {name: [] for name in cases}
    outputs = {}
    for _ in range(repeats):
        for name, (model, inputs) in cases.items():
            seconds, out = timed(model, *inputs)
            times[name].append(seconds)
            outputs.setdefault(name, out)
    return times, outputs


def scramble(net, seed):
    """He-scaled random convolutions and random BatchNorm statistics and
    affines, in place: unlike PyTorch's default initialisation (whose VGG
    activations fade, so that every test map is about 0.456), they give
    maps spread over ``0..1``, a stronger equality check."""
    gen = torch.Generator().manual_seed(seed)

    def rand(shape, scale, shift=0.0):
        return torch.randn(shape, generator=gen) * scale + shift

    for m in net.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.weight.data = rand(m.weight.shape,
                                 (2 / m.weight[0].numel())**0.5)
            m.bias.data = rand(m.bias.shape, 0.1)
        elif isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.data = rand(m.running_mean.shape, 0.1)
            m.running_var.data = rand(m.running_var.shape, 0.1).abs() + 0.5
            m.weight.data = rand(m.weight.shape, 0.1, 1.0)
            m.bias.data = rand(m.bias.shape, 0.1)


def strong_check(args, num=3):
    """Scrambled official weights, converted: float64 outputs must agree
    to 1e-10; the float32 error of the official network against its own
    float64 output is printed for scale."""
    official, model = build_pair(args.icnet_root)
    scramble(official, seed=1)
    model.model.load_state_dict(
        convert_icnet(official.net.state_dict())[0], strict=True)
    images, sisms = make_group(num, NATIVE, seed=1)
    with torch.no_grad():
        ref32 = official(images, sisms)
        out32 = model(images, sisms)
        official.double()
        model.double()
        ref64 = official(images.double(), sisms.double())
        out64 = model(images.double(), sisms.double())
    err64 = (ref64 - out64).abs().max().item()
    print(f'equal outputs, scrambled weights (test map std '
          f'{ref64.std().item():.3f}, range {ref64.min().item():.3f}..'
          f'{ref64.max().item():.3f}), group {num}: float64 max |mmcorr - '
          f'official| = {err64:.1e}; float32: '
          f'{(ref32 - out32).abs().max():.1e}, official float32 vs its '
          f'float64: {(ref32 - ref64).abs().max():.1e}')
    assert err64 <= 1e-10, err64


def ms(seconds):
    return statistics.median(seconds) * 1e3


def worker(spec):
    spec = json.loads(spec)
    official, model = build_pair(spec['root'], spec['rscf_keys'])
    if spec['model'] == 'official':
        model = official
    images, sisms = make_group(spec['group'], spec['size'])
    with torch.no_grad():
        print(peak_growth_mib(lambda: model(images, sisms)))


def peak_mib(args, model, group, size, rscf_keys='native'):
    spec = dict(model=model, group=group, size=size, rscf_keys=rscf_keys,
                root=args.icnet_root if model == 'official' else None)
    return measure_in_subprocess(__file__, spec, '--threads',
                                 str(args.threads))


def head_to_head(args):
    official, model = build_pair(args.icnet_root)
    images, sisms = make_group(args.group, NATIVE)
    with torch.no_grad():
        ref, out = official(images, sisms), model(images, sisms)
        err = (ref - out).abs().max().item()
        print(f'equal outputs: group {args.group} at {NATIVE}, float32, max '
              f'|mmcorr - official| of the test map = {err:.2e} (test map '
              f'std {ref.std().item():.3f}, range {ref.min().item():.3f}..'
              f'{ref.max().item():.3f})')
        assert err <= 1e-5, err
        strong_check(args)
        times, _ = alternate(
            dict(mmcorr=(model, (images, sisms)),
                 official=(official, (images, sisms))), args.pair_repeats)
    mine, theirs = ms(times['mmcorr']), ms(times['official'])
    print(f'\n| model | latency ms (median of {args.pair_repeats}) | '
          'all runs ms |')
    print('|---|---|---|')
    for name, value in (('mmcorr', mine), ('official', theirs)):
        runs = ', '.join(f'{t * 1e3:.0f}' for t in times[name])
        print(f'| {name} | {value:.0f} | {runs} |')
    ratio = mine / theirs
    print(f'\nmmcorr / official ICNet latency: {ratio:.3f} (target <= 1.0): '
          f'{"PASS" if ratio <= 1.0 else "FAIL"}\n')
    if args.profile:
        profile(dict(mmcorr=model, official=official), images, sisms)
    return ratio


def profile(models, images, sisms):
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile
    for name, model in models.items():
        with torch.no_grad(), torch_profile(
                activities=[ProfilerActivity.CPU]) as prof:
            model(images, sisms)
        print(f'profile of {name}:')
        print(prof.key_averages().table(sort_by='self_cpu_time_total',
                                        row_limit=12))


def group_sweep(args, groups):
    official, model = build_pair(args.icnet_root)
    cases = {}
    for num in groups:
        inputs = make_group(num, NATIVE)
        cases[('mmcorr', num)] = (model, inputs)
        if official is not None and num <= args.official_max_group:
            cases[('official', num)] = (official, inputs)
    with torch.no_grad():
        times, outputs = alternate(cases, args.repeats)
    rows = []
    print(f'Group size at {NATIVE} x {NATIVE}, median of {args.repeats} '
          'rounds:\n')
    if official is None:
        print('| group | mmcorr ms | ms / image | mmcorr peak MiB |')
        print('|---|---|---|---|')
    else:
        print('| group | mmcorr ms | official ms | mmcorr / official | '
              'mmcorr peak MiB | official peak MiB | max abs diff |')
        print('|---|---|---|---|---|---|---|')
    for num in groups:
        row = dict(group=num, mmcorr_ms=ms(times[('mmcorr', num)]),
                   mmcorr_mib=peak_mib(args, 'mmcorr', num, NATIVE))
        if official is None:
            print(f'| {num} | {row["mmcorr_ms"]:.0f} | '
                  f'{row["mmcorr_ms"] / num:.0f} | {row["mmcorr_mib"]:.0f} |')
        elif ('official', num) not in cases:
            print(f'| {num} | {row["mmcorr_ms"]:.0f} | - | - | '
                  f'{row["mmcorr_mib"]:.0f} | - | - |')
        else:
            row['official_ms'] = ms(times[('official', num)])
            row['official_mib'] = peak_mib(args, 'official', num, NATIVE)
            err = (outputs[('mmcorr', num)] -
                   outputs[('official', num)]).abs().max().item()
            print(f'| {num} | {row["mmcorr_ms"]:.0f} | '
                  f'{row["official_ms"]:.0f} | '
                  f'{row["mmcorr_ms"] / row["official_ms"]:.2f} | '
                  f'{row["mmcorr_mib"]:.0f} | {row["official_mib"]:.0f} | '
                  f'{err:.1e} |')
        rows.append(row)
    print()
    return rows


def size_sweep(args, sizes):
    _, model = build_pair(None, 'fixed_grid')
    cases = {size: (model, make_group(args.size_group, size))
             for size in sizes}
    with torch.no_grad():
        times, _ = alternate(cases, args.repeats)
    print(f"Input size, group {args.size_group}, rscf_keys='fixed_grid' "
          f'(keys on the {NATIVE // 8}x{NATIVE // 8} grid at stride 8), '
          f'median of {args.repeats} rounds:\n')
    print('| input | stride-8 features | mmcorr ms | ms / image | '
          'peak MiB |')
    print('|---|---|---|---|---|')
    rows = []
    for size in sizes:
        row = dict(size=size, mmcorr_ms=ms(times[size]),
                   mmcorr_mib=peak_mib(args, 'mmcorr', args.size_group, size,
                                       'fixed_grid'))
        note = ' (native)' if size == NATIVE else ''
        print(f'| {size} x {size}{note} | {size // 8} x {size // 8} | '
              f'{row["mmcorr_ms"]:.0f} | '
              f'{row["mmcorr_ms"] / args.size_group:.0f} | '
              f'{row["mmcorr_mib"]:.0f} |')
        rows.append(row)
    print()
    return rows


def plot(path, group_rows, size_rows, args):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, 2, figsize=(7, 5), dpi=72, sharex='col')
    for key, style in (('mmcorr', 'o-'), ('official', 's--')):
        rows = [r for r in group_rows if f'{key}_ms' in r]
        if rows:
            groups = [r['group'] for r in rows]
            axes[0, 0].plot(groups, [r[f'{key}_ms'] / 1e3 for r in rows],
                            style, label=key)
            axes[1, 0].plot(groups, [r[f'{key}_mib'] for r in rows], style,
                            label=key)
    sizes = [r['size'] for r in size_rows]
    axes[0, 1].plot(sizes, [r['mmcorr_ms'] / 1e3 for r in size_rows], 'o-',
                    label='mmcorr')
    axes[1, 1].plot(sizes, [r['mmcorr_mib'] for r in size_rows], 'o-',
                    label='mmcorr')
    axes[0, 0].set(ylabel='latency s',
                   title=f'vs group size ({NATIVE} x {NATIVE})')
    axes[0, 1].set(title=f"vs input size (group {args.size_group}, "
                   "fixed_grid)")
    axes[1, 0].set(ylabel='peak extra MiB', xlabel='group size')
    axes[1, 1].set(xlabel='input side')
    for ax in axes.flat:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f'ICNet co-saliency, CPU, {args.threads} threads',
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    print(f'plot written to {path}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--icnet-root',
                        help='checkout of blanclist/ICNet (outside the repo)')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--pair-repeats', type=int, default=5)
    parser.add_argument('--group', type=int, default=10)
    parser.add_argument('--size-group', type=int, default=5)
    parser.add_argument('--official-max-group', type=int, default=20,
                        help='largest group the official network is run on '
                        'in the sweep (40 adds about 3 minutes)')
    parser.add_argument('--quick', action='store_true',
                        help=f'groups {QUICK_GROUPS}, sizes {QUICK_SIZES}, '
                        'one round')
    parser.add_argument('--plot', help='write a PNG of the sweeps here')
    parser.add_argument('--profile', action='store_true',
                        help='torch.profiler table of one head-to-head call')
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.worker:
        return worker(args.worker)
    if args.quick:
        args.repeats = args.pair_repeats = 1
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, '
          'float32, eval mode, no_grad\n')
    if args.icnet_root:
        head_to_head(args)
    group_rows = group_sweep(args, QUICK_GROUPS if args.quick else GROUPS)
    size_rows = size_sweep(args, QUICK_SIZES if args.quick else SIZES)
    if args.plot:
        plot(args.plot, group_rows, size_rows, args)


if __name__ == '__main__':
    main()
