# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS greedy panoptic inference: mmcorr against the official code.

Same process, CPU, ``--threads`` threads, eval mode, ``torch.no_grad``:
the whole inference of one image (backbone with flip, semantic and
proposal maps, proposal peaks, the greedy loop over candidates, the
panoptic merge), with the toy notebooks' settings (``thresh1`` .4,
``thresh2`` .5, ``ithresh`` .3, ``fl_prob`` .1, ``fl_blur`` 2,
``max_iters`` 100, flip on).

- official: saic-vul/adaptis (branch ``pytorch``) from a checkout outside
  this repo (``--official-root``), its Cython ``find_local_maxima`` built
  there (``docs/benchmarks.md``); torchvision does not load against this
  torch, so the benchmark gives the official code a stand-in module whose
  ``RoIAlign`` is mmcv's (``aligned=False``, adaptive sampling: the same
  bilinear read at the point) and whose ``transforms`` are the two it uses;
  the port's AdaIN adds 1 to its shift, so it gets mmcorr's shift bias
  minus 1 (the same layer).
- mmcorr: ``AdaptISSegmentor.panoptic`` with the same weights (mmcorr's
  checkpoint ``--checkpoint``, mapped to the official names by inverting
  ``convert_adaptis_toy``), ``legacy_flip_column=True`` (the official
  ``W - x`` flip) so that the instances must be equal.

Equal instance maps first (every image), then times: median of
``--repeats`` alternating rounds per image; reported against the number of
instances found.

Usage::

    python benchmarks/adaptis_inference.py --official-root PATH \
        --config CONFIG --checkpoint CKPT --images IMG [IMG ...]
"""
import argparse
import json
import statistics
import sys
import time
import types

import cv2
import numpy as np
import torch
from mmengine.config import Config

from mmcorr.apis import init_model
from mmcorr.models.converters import convert_adaptis_toy
from mmcorr.models.instance.adaptis_inference import resolve_test_cfg

NOTEBOOK = dict(thresh1=0.4, thresh2=0.5, ithresh=0.3, fl_prob=0.10,
                fl_eps=0.003, fl_blur=2, max_iters=100)


def torchvision_stand_in():
    """``torchvision.ops.RoIAlign`` / ``RoIPool`` and the two transforms
    the official code imports, built on mmcv and torch."""
    from mmcv.ops import RoIAlign as MMCVRoIAlign

    class RoIAlign(torch.nn.Module):

        def __init__(self, output_size, spatial_scale, sampling_ratio):
            super().__init__()
            self.op = MMCVRoIAlign(output_size, spatial_scale,
                                   max(sampling_ratio, 0), aligned=False)

        def forward(self, features, rois):
            return self.op(features, rois)

    class Compose:

        def __init__(self, steps):
            self.steps = steps

        def __call__(self, x):
            for step in self.steps:
                x = step(x)
            return x

    class ToTensor:

        def __call__(self, image):
            return torch.from_numpy(np.ascontiguousarray(
                image.transpose(2, 0, 1))).float() / 255

    class Normalize:

        def __init__(self, mean, std):
            self.mean = torch.tensor(mean).view(-1, 1, 1)
            self.std = torch.tensor(std).view(-1, 1, 1)

        def __call__(self, x):
            return (x - self.mean) / self.std

    tv = types.ModuleType('torchvision')
    tv.ops = types.SimpleNamespace(RoIAlign=RoIAlign, RoIPool=None)
    tv.transforms = types.SimpleNamespace(Compose=Compose, ToTensor=ToTensor,
                                          Normalize=Normalize)
    return tv


def official_modules(root):
    sys.modules['torchvision'] = torchvision_stand_in()
    sys.modules['bridson'] = types.SimpleNamespace(
        poisson_disc_samples=None)  # only its unused random start needs it
    sys.path.insert(0, root)
    from adaptis.inference.adaptis_sampling import get_panoptic_segmentation
    from adaptis.inference.prediction_model import AdaptISPrediction
    from adaptis.model.toy.models import get_unet_model
    return get_unet_model, AdaptISPrediction, get_panoptic_segmentation


def load_models(args):
    cfg = Config.fromfile(args.config)
    ours = init_model(cfg, args.checkpoint)  # mmcorr's safe loading
    state = ours.state_dict()
    get_unet_model, AdaptISPrediction, panoptic = official_modules(
        args.official_root)
    theirs = get_unet_model(channel_width=cfg.model.backbone.base_channels,
                            max_width=cfg.model.backbone.max_channels,
                            with_proposals=True)
    # invert the converter: official name -> mmcorr name
    mapped, unused = convert_adaptis_toy(theirs.state_dict())
    assert not unused
    names = dict(zip(theirs.state_dict().keys(), mapped.keys()))
    weights = {k: state[v] for k, v in names.items()}
    if not ours.instance_head.adain.legacy_shift_plus_one:
        # the port adds 1 to AdaIN's shift: give it the bias minus 1
        key = 'adaptis_head.adain.affine_bias.bias'
        weights[key] = weights[key] - 1
    theirs.load_state_dict(weights)
    dataset = types.SimpleNamespace(things_offset=1,
                                    to_dataset_mapping={0: 0, 1: 1})
    predictor = AdaptISPrediction(theirs, dataset, torch.device('cpu'))
    return ours, predictor, panoptic


def run_ours(model, image_rgb):
    x = torch.from_numpy(image_rgb.transpose(2, 0, 1).copy()).float()
    x = ((x - 127.5) / 127.5)[None]
    cfg = resolve_test_cfg(dict(model.test_cfg, sampler='proposals',
                                use_flip=True, legacy_flip_column=True,
                                **NOTEBOOK))
    with torch.no_grad():
        return model.panoptic(x, cfg)['instance_ids']


def run_theirs(predictor, panoptic, image_rgb):
    with torch.no_grad():
        out = panoptic(predictor, image_rgb, use_flip=True,
                       sampling_algorithm='proposals', **NOTEBOOK)
    return out['instances_mask']


def same_partition(a, b):
    """Equal instance maps up to the numbering."""
    pairs = set(zip(a.ravel().tolist(), b.ravel().tolist()))
    return len(pairs) == len(np.unique(a)) == len(np.unique(b))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--official-root', required=True)
    parser.add_argument('--config', required=True)
    parser.add_argument('--checkpoint', required=True)
    parser.add_argument('--images', nargs='+', required=True)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--out', help='write the figures to this JSON')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    ours, predictor, panoptic = load_models(args)
    rows = []
    for path in args.images:
        image = cv2.imread(path)[:, :, ::-1].copy()
        a, b = run_ours(ours, image), run_theirs(predictor, panoptic, image)
        if not same_partition(a, b):
            raise SystemExit(f'{path}: the instance maps differ '
                             f'({len(np.unique(a)) - 1} vs '
                             f'{len(np.unique(b)) - 1} instances)')
        times = {'mmcorr': [], 'official': []}
        for _ in range(args.repeats):
            for name, fn in (('mmcorr', lambda: run_ours(ours, image)),
                             ('official', lambda: run_theirs(
                                 predictor, panoptic, image))):
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
        row = dict(image=path, instances=int(len(np.unique(a)) - 1),
                   mmcorr_s=statistics.median(times['mmcorr']),
                   official_s=statistics.median(times['official']))
        row['speedup'] = row['official_s'] / row['mmcorr_s']
        rows.append(row)
        print(f'{path}: {row["instances"]} instances, mmcorr '
              f'{row["mmcorr_s"] * 1000:.0f} ms, official '
              f'{row["official_s"] * 1000:.0f} ms, x{row["speedup"]:.1f}')
    total = sum(r['official_s'] for r in rows) / sum(r['mmcorr_s']
                                                     for r in rows)
    print(f'all images: mmcorr {total:.1f}x faster (equal instances)')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(rows=rows, speedup=total,
                           threads=args.threads), f, indent=1)


if __name__ == '__main__':
    main()
