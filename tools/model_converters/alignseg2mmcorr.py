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
import os.path as osp
import sys

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmcorr.models.converters import Conversion, run_converter
from mmcorr.models.converters.alignseg import (convert_alignseg,
                                               unwrap_state_dict)
from mmcorr.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(REPO, 'configs', '_base_', 'models',
                          'alignseg_r101.py')


def add_arguments(parser):
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


def expected_shapes(config_path: str) -> dict:
    """mmcorr key -> shape of the config's model, built without memory."""
    init_default_scope('mmcorr')
    cfg = Config.fromfile(config_path)
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def convert(checkpoint, args) -> Conversion:
    converted, report = convert_alignseg(
        unwrap_state_dict(checkpoint), expected_shapes(args.config),
        abn_scale=not args.plain_bn)
    meta = dict(
        converted_from='speedinghzl/AlignSeg',
        source=osp.basename(args.src),
        config=osp.relpath(args.config, REPO),
        unused_official_keys=report.unused,
        unfilled_mmcorr_keys=report.missing,
        inplace_abn_scale=not args.plain_bn,
        num_batches_tracked_filled=len(report.filled_num_batches_tracked))
    return Conversion(
        converted, report.lines(), meta,
        summary='complete' if report.complete else 'INCOMPLETE, see above',
        exit_status=1 if report.shape_mismatch else 0)


def main(argv=None) -> int:
    return run_converter(__doc__.split('\n')[0], convert, argv,
                         add_arguments)


if __name__ == '__main__':
    sys.exit(main())
