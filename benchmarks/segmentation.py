# Copyright (c) mmcorr contributors. All rights reserved.
"""Latency, parameters and FLOPs of the alignment models, in one run.

Compares, on the same input (batch 1, eval mode, ``torch.no_grad``):

* mmseg's semantic FPN (ResNet-50) with its FPN neck against the same model
  with mmcorr's ``AlignedFPN`` neck: the cost of alignment;
* mmcorr's SFNet-R18 against the official SFSegNets model, when
  ``--sfsegnets-root`` points at a checkout of lxtGH/SFSegNets (outside this
  repo; its ``network`` package is imported with a stand-in for NVIDIA apex,
  which it imports but does not need for inference).

Runs alternate between models (``--repeats`` rounds), and the median is
reported, so that drifts of the machine hit every model alike.
FLOPs are counted by mmengine's jit-based analyzer with explicit handles for
``grid_sample`` (4 multiply-adds per output value: bilinear) and bilinear
upsampling; other unsupported ops are listed.

Usage::

    python benchmarks/segmentation.py [--shape 512 1024] [--threads 2]
        [--repeats 5] [--sfsegnets-root PATH]
"""
import argparse
import statistics
import sys
import time
import types
from collections import OrderedDict

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmcorr.utils import replace_sync_bn

CONFIGS = OrderedDict([
    ('FPN-R50 (mmseg FPN neck)',
     'mmseg::sem_fpn/fpn_r50_4xb2-80k_cityscapes-512x1024.py'),
    ('FPN-R50 + AlignedFPN neck',
     'configs/plugins/fpn_r50-aligned-fpn_4xb2-80k_cityscapes-512x1024.py'),
    ('SFNet-R18 (mmcorr)',
     'configs/sfsegnet/sfnet_r18-d_8xb2-56k_cityscapes-1024x1024.py'),
])


class Logits(torch.nn.Module):
    """``image -> logits`` of an mmseg segmentor, for timing and tracing."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x, mode='tensor')


def build_mmcorr(config: str) -> torch.nn.Module:
    if '::' in config:  # an mmseg model-zoo config, as shipped
        from mmengine.hub import get_config
        cfg = get_config(config)
    else:
        cfg = Config.fromfile(config)
    replace_sync_bn(cfg.model)
    cfg.model.pretrained = None
    cfg.model.backbone.init_cfg = None
    from mmengine.registry import MODELS
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return Logits(MODELS.build(cfg.model)).eval()


def build_official_sfnet_r18(root: str) -> torch.nn.Module:
    """lxtGH/SFSegNets ``DeepR18_SF_deeply`` with random weights, plain BN."""
    apex = types.ModuleType('apex')
    apex.amp = types.SimpleNamespace(float_function=lambda fn: fn)
    apex.parallel = types.SimpleNamespace(
        SyncBatchNorm=torch.nn.BatchNorm2d)
    sys.modules.setdefault('apex', apex)
    sys.path.insert(0, root)
    import config as official_config
    official_config.cfg.MODEL.BNFUNC = torch.nn.BatchNorm2d
    from network import resnet_d, sfnet_resnet
    resnet18 = resnet_d.resnet18
    resnet_d.resnet18 = lambda pretrained=True, **kw: resnet18(False, **kw)
    return sfnet_resnet.DeepR18_SF_deeply(19, criterion=None).eval()


def count_flops(model: torch.nn.Module, x: torch.Tensor):
    """(GFLOPs as multiply-adds, unsupported op counts) via mmengine."""
    from mmengine.analysis import FlopAnalyzer

    def grid_sample_handle(inputs, outputs):
        out_shape = outputs[0].type().sizes()
        return 4 * int(torch.tensor(out_shape).prod())

    analyzer = FlopAnalyzer(model, (x, ))
    analyzer.set_op_handle('aten::grid_sampler', grid_sample_handle)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return analyzer.total() / 1e9, dict(analyzer.unsupported_ops())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--shape', type=int, nargs=2, default=[512, 1024])
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--sfsegnets-root')
    parser.add_argument('--no-flops', action='store_true')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    models = OrderedDict((k, build_mmcorr(c)) for k, c in CONFIGS.items())
    if args.sfsegnets_root:
        models['SFNet-R18 (official)'] = build_official_sfnet_r18(
            args.sfsegnets_root)
    x = torch.rand(1, 3, *args.shape)
    times = {name: [] for name in models}
    with torch.no_grad():
        for model in models.values():
            model(x)  # warm-up
        for _ in range(args.repeats):
            for name, model in models.items():
                start = time.perf_counter()
                model(x)
                times[name].append(time.perf_counter() - start)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, '
          f'input 1x3x{args.shape[0]}x{args.shape[1]}, median of '
          f'{args.repeats}\n')
    print('| model | latency ms | params M | GFLOPs (MAC) | not counted |')
    print('|---|---|---|---|---|')
    medians = {}
    for name, model in models.items():
        medians[name] = statistics.median(times[name]) * 1e3
        params = sum(p.numel() for p in model.parameters()) / 1e6
        flops, skipped = ('-', '-') if args.no_flops else count_flops(model,
                                                                       x)
        flops = flops if isinstance(flops, str) else f'{flops:.1f}'
        skipped = skipped if isinstance(skipped, str) else ', '.join(
            sorted(skipped)) or 'none'
        print(f'| {name} | {medians[name]:.0f} | {params:.2f} | {flops} | '
              f'{skipped} |')
    ratio = medians['FPN-R50 + AlignedFPN neck'] / medians[
        'FPN-R50 (mmseg FPN neck)']
    print(f'\naligned neck / FPN neck latency: {ratio:.3f} '
          f'(target <= 1.10): {"PASS" if ratio <= 1.10 else "FAIL"}')
    if 'SFNet-R18 (official)' in medians:
        ratio = medians['SFNet-R18 (mmcorr)'] / medians['SFNet-R18 (official)']
        print(f'mmcorr / official SFNet-R18 latency: {ratio:.3f} '
              f'(target <= 1.0): {"PASS" if ratio <= 1.0 else "FAIL"}')


if __name__ == '__main__':
    main()
