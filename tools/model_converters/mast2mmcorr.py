# Copyright (c) mmcorr contributors. All rights reserved.
"""Convert an official MAST checkpoint to mmcorr.

    python tools/model_converters/mast2mmcorr.py SRC DST

SRC is a zlai0/MAST checkpoint (``{'epoch', 'state_dict', 'optimizer'}``
as ``main.py`` saves it, or a bare state dict); DST loads into
``MASTVideoSegmentor`` with the ``ResNet18Stride4`` backbone. Unused keys
are printed.
"""
import sys

from mmcorr.models.converters import Conversion, convert_mast, run_converter


def convert(checkpoint, args) -> Conversion:
    converted, unused = convert_mast(checkpoint)
    return Conversion(converted,
                      [f'unused official key: {key}' for key in unused],
                      meta={'converted_from': 'zlai0/MAST'})


def main(argv=None) -> int:
    return run_converter(__doc__.split('\n')[0], convert, argv)


if __name__ == '__main__':
    sys.exit(main())
