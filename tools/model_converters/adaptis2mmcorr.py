# Copyright (c) mmcorr contributors. All rights reserved.
"""Convert an official AdaptIS toy checkpoint (PyTorch branch) to mmcorr.

    python tools/model_converters/adaptis2mmcorr.py SRC DST

SRC is a saic-vul/adaptis (branch ``pytorch``) ``get_unet_model``
checkpoint (the bare state dict its trainer saves); DST loads into
``AdaptISSegmentor`` as configured by ``configs/adaptis/`` with the
instance head's ``legacy_shift_plus_one=True`` (the port's AdaIN). Unused
keys are printed.
"""
import sys

from mmcorr.models.converters import (Conversion, convert_adaptis_toy,
                                      run_converter)


def convert(checkpoint, args) -> Conversion:
    converted, unused = convert_adaptis_toy(checkpoint)
    return Conversion(converted,
                      [f'unused official key: {key}' for key in unused],
                      meta={'converted_from': 'saic-vul/adaptis@pytorch'})


def main(argv=None) -> int:
    return run_converter(__doc__.split('\n')[0], convert, argv)


if __name__ == '__main__':
    sys.exit(main())
