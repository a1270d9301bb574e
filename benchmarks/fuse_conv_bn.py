# Copyright (c) mmcorr contributors. All rights reserved.
"""Conv + BN fusion at inference: time of each task's inferencer with and
without ``fuse_conv_bn`` (:func:`mmcorr.models.layers.fuse_conv_bn`), in
one run, on the make-demo configs (trained checkpoints if given, else the
configs' initialisation, the same weights for both: the speed does not
depend on them) and their inputs' sizes; the largest output difference
is reported (float32: the fused convolutions round differently).

Usage::

    python benchmarks/fuse_conv_bn.py [--threads 1] [--repeats 5] \
        [--work-root work_dirs/demo] [--check]

``--check`` exits 1 unless every fused model answers the same (within
``--tolerance``, default 1e-3) and is at least as fast as the plain one
(a ratio >= 0.95, timing noise allowed).
"""
import argparse
import os.path as osp
import statistics
import sys
import tempfile
import time
import warnings

import numpy as np
import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(REPO, 'demo'))

from web_demo import DEFAULTS, default_models  # noqa: E402

SEGMENTATION = ('configs/sfsegnet/sfnet_efficientnet-lite0-in1k-pre_1xb8-'
                '500it_shape-scenes-128x128.py')


def inputs(task: str):
    """A call's arguments of the task at the embedded data's sizes."""
    rng = np.random.default_rng(0)

    def image(h, w):
        return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)

    if task == 'correspondence':
        return ((image(160, 160), image(160, 160)), ), {}
    if task == 'cosaliency':
        return ([[image(128, 128) for _ in range(6)]], ), {}
    if task == 'video':
        mask = np.zeros((96, 128), np.uint8)
        mask[30:60, 40:90] = 1
        return ([[image(96, 128) for _ in range(12)]], ), dict(
            first_mask=mask)
    if task == 'instances':
        return (image(64, 64), ), dict(points=[[20, 30]])
    return (image(128, 128), ), {}


def same_weights(task, config, options, folder):
    """A checkpoint of the config's initialisation, so that the plain and
    the fused model share their weights."""
    inferencer = build(task, config, None, options, False)
    path = osp.join(folder, f'{task}.pth')
    torch.save(dict(state_dict=inferencer.model.state_dict()), path)
    return path


def build(task, config, checkpoint, options, fuse):
    from mmcorr import apis
    from mmcorr.apis.web_demo import TASKS
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        if task == 'segmentation':
            return apis.SegmentationInferencer(config, checkpoint,
                                               fuse_conv_bn=fuse)
        cls = getattr(apis, TASKS[task])
        return cls(config, checkpoint, 'cpu', options or None,
                   fuse_conv_bn=fuse, show_progress=False)


def outputs(task, inferencer, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        out = inferencer(*args, return_datasamples=True, **kwargs)
    if task == 'segmentation':  # mmseg's inferencer: the sample itself
        return out.seg_logits.data
    sample = out['predictions'][0]
    if task == 'correspondence':
        return sample.pred_grid_s2t
    if task == 'cosaliency':
        return torch.stack([v.pred_saliency.data for v in sample.views])
    if task == 'video':
        return torch.stack([v.pred_sem_seg.data for v in sample.views])
    return sample.views[0].pred_query_logits


def seconds(task, inferencer, args, kwargs, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        outputs(task, inferencer, args, kwargs)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--work-root', default='work_dirs/demo')
    parser.add_argument('--check', action='store_true')
    parser.add_argument('--tolerance', type=float, default=1e-3,
                        help='largest output difference --check accepts')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    trained = default_models(args.work_root)
    cases = [(task, trained.get(task, (osp.join(REPO, config), None,
                                       options)))
             for task, (config, _, options) in DEFAULTS.items()]
    cases.append(('segmentation', (osp.join(REPO, SEGMENTATION), None, {})))
    print(f'{"task":16} {"plain ms":>9} {"fused ms":>9} {"speed-up":>8} '
          f'max |diff|  weights')
    ok = True
    folder = tempfile.mkdtemp()
    for task, (config, checkpoint, options) in cases:
        call_args, call_kwargs = inputs(task)
        trained = checkpoint is not None
        if not trained:
            checkpoint = same_weights(task, config, options, folder)
        plain = build(task, config, checkpoint, options, False)
        fused = build(task, config, checkpoint, options, True)
        diff = (outputs(task, plain, call_args, call_kwargs).float() -
                outputs(task, fused, call_args, call_kwargs).float()
                ).abs().max().item()
        t_plain = seconds(task, plain, call_args, call_kwargs, args.repeats)
        t_fused = seconds(task, fused, call_args, call_kwargs, args.repeats)
        ratio = t_plain / t_fused
        ok &= diff <= args.tolerance and ratio >= 0.95
        print(f'{task:16} {1e3 * t_plain:9.1f} {1e3 * t_fused:9.1f} '
              f'{ratio:7.2f}x {diff:10.1e}  '
              f'{"trained" if trained else "initialisation"}',
              flush=True)
    if args.check and not ok:
        print('FAILED: a fused model differs or is slower', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
