# Copyright (c) mmcorr contributors. All rights reserved.
"""Convert an official ICNet (co-saliency) checkpoint to mmcorr.

    python tools/model_converters/icnet2mmcorr.py SRC DST [--vgg-only]

SRC is a blanclist/ICNet model checkpoint (``ICNet()``'s state dict), or
with ``--vgg-only`` the official backbone initialisation ``vgg16_feat.pth``
(its keys become ``backbone.features.*``, for ``load_from``). DST loads into
``ICNetCoSaliency``. Unused keys are printed.
"""
import sys

from mmcorr.models.converters import (Conversion, convert_icnet,
                                      convert_icnet_vgg, run_converter)


def add_arguments(parser) -> None:
    parser.add_argument('--vgg-only', action='store_true',
                        help='SRC is the official vgg16_feat.pth')


def convert(checkpoint, args) -> Conversion:
    convert_fn = convert_icnet_vgg if args.vgg_only else convert_icnet
    converted, unused = convert_fn(checkpoint)
    return Conversion(converted,
                      [f'unused official key: {key}' for key in unused],
                      meta={'converted_from': 'blanclist/ICNet'})


def main(argv=None) -> int:
    return run_converter(__doc__.split('\n')[0], convert, argv, add_arguments)


if __name__ == '__main__':
    sys.exit(main())
