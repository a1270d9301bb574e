# Copyright (c) mmcorr contributors. All rights reserved.
"""Convert a torchvision-style ResNet checkpoint into mmcorr backbone weights.

    python tools/model_converters/torchvision_resnet2mmcorr.py SRC DST \
        [--prefix backbone.]

torchvision and mmseg name ResNet layers alike (``conv1``, ``bn1``,
``layerN.i.*``); the classifier ``fc.*`` is reported and left out. Load the
result with ``init_cfg=dict(type='Pretrained', checkpoint=DST)`` on the
backbone (``--prefix ''``) or as ``load_from`` of a whole model (default
prefix ``backbone.``).
"""
import sys

from mmcorr.models.converters import (Conversion, convert_torchvision_resnet,
                                      run_converter)


def add_arguments(parser):
    parser.add_argument('--prefix', default='backbone.',
                        help="key prefix of the converted weights")


def convert(checkpoint, args) -> Conversion:
    converted, unused = convert_torchvision_resnet(checkpoint, args.prefix)
    return Conversion(converted,
                      [f'left out (no counterpart): {key}' for key in unused])


def main(argv=None) -> int:
    return run_converter(__doc__.split('\n')[0], convert, argv, add_arguments)


if __name__ == '__main__':
    sys.exit(main())
