# Copyright (c) mmcorr contributors. All rights reserved.
"""Convert an official SFNet (semantic correspondence) checkpoint to mmcorr.

    python tools/model_converters/sfnet_corr2mmcorr.py SRC DST

SRC is what cvlab-yonsei/SFNet's train.py saves (``state_dict1`` and
``state_dict2``: the two adaptation layers) or a full-model state dict. DST
holds the ``SemanticFlowMatcher`` adaptation layers; the frozen ResNet-101
comes from the config's ImageNet initialisation. Unused keys are printed.
"""
import sys

from mmcorr.models.converters import (Conversion, convert_sfnet_corr,
                                      run_converter)


def convert(checkpoint, args) -> Conversion:
    converted, unused = convert_sfnet_corr(checkpoint)
    return Conversion(converted,
                      [f'unused official key: {key}' for key in unused],
                      meta={'converted_from': 'cvlab-yonsei/SFNet'})


def main(argv=None) -> int:
    return run_converter(__doc__.split('\n')[0], convert, argv)


if __name__ == '__main__':
    sys.exit(main())
