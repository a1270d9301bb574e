# Copyright (c) mmcorr contributors. All rights reserved.
"""Convert an official AlignSeg checkpoint (speedinghzl/AlignSeg) to mmcorr.

    python tools/model_converters/alignseg2mmcorr.py SRC DST \
        [--config configs/_base_/models/alignseg_r101.py] [--plain-bn]

SRC is a ``Seg_Model`` state dict (``CS_scenes_*.pth``; a ``state_dict`` or
``model`` wrapper and ``module.`` prefixes are removed) or the MIT ImageNet
``resnet101-imagenet.pth`` backbone. It is read with mmcorr's safe loader
(``--unsafe-load`` to opt out). The keys are renamed with
:func:`mmcorr.models.converters.alignseg.convert_alignseg` and checked against
the model built from ``--config``: official keys left unused and mmcorr keys
left unfilled are printed, never dropped silently. Norm weights become
inplace_abn's effective scale ``|weight| + 1e-5`` unless ``--plain-bn`` (for
checkpoints whose norms were plain BN). DST gets
``{'state_dict': ..., 'meta': {...}}``; the exit status is 1 when a converted
tensor's shape differs from the model's (the file would not load).
"""
import argparse
import os.path as osp
import sys

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmcorr.compat import load_checkpoint_file, set_unsafe_checkpoint_loading
from mmcorr.models.converters.alignseg import (convert_alignseg,
                                               unwrap_state_dict)
from mmcorr.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(REPO, 'configs', '_base_', 'models',
                          'alignseg_r101.py')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert an official AlignSeg checkpoint to mmcorr')
    parser.add_argument('src', help='official checkpoint')
    parser.add_argument('dst', help='output path')
    parser.add_argument(
        '--config',
        default=DEFAULT_CONFIG,
        help='mmcorr config whose model defines the expected keys')
    parser.add_argument(
        '--plain-bn',
        action='store_true',
        help='keep norm weights as they are; by default they become '
        "inplace_abn's effective scale |weight| + 1e-5 (see "
        'mmcorr/models/converters/alignseg.py)')
    parser.add_argument(
        '--unsafe-load',
        action='store_true',
        help='unpickle SRC without the allow-list (trusted files only)')
    return parser.parse_args(argv)


def expected_shapes(config_path: str) -> dict:
    """mmcorr key -> shape of the config's model, built without memory."""
    init_default_scope('mmcorr')
    cfg = Config.fromfile(config_path)
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.unsafe_load:
        set_unsafe_checkpoint_loading(True)
    state_dict = unwrap_state_dict(load_checkpoint_file(args.src, 'cpu'))
    converted, report = convert_alignseg(
        state_dict, expected_shapes(args.config), abn_scale=not args.plain_bn)
    for line in report.lines():
        print(line)
    meta = dict(
        converted_from='speedinghzl/AlignSeg',
        source=osp.basename(args.src),
        config=osp.relpath(args.config, REPO),
        unused_official_keys=report.unused,
        unfilled_mmcorr_keys=report.missing,
        inplace_abn_scale=not args.plain_bn,
        num_batches_tracked_filled=len(report.filled_num_batches_tracked))
    torch.save({'state_dict': converted, 'meta': meta}, args.dst)
    print(f'saved {len(converted)} tensors to {args.dst} '
          f'({"complete" if report.complete else "INCOMPLETE, see above"})')
    return 1 if report.shape_mismatch else 0


if __name__ == '__main__':
    sys.exit(main())
