# Copyright (c) mmcorr contributors. All rights reserved.
"""Convert an official SFNet (semantic correspondence) checkpoint to mmcorr.

    python tools/model_converters/sfnet_corr2mmcorr.py SRC DST

SRC is what cvlab-yonsei/SFNet's train.py saves (``state_dict1`` and
``state_dict2``: the two adaptation layers) or a full-model state dict. DST
holds the ``SemanticFlowMatcher`` adaptation layers; the frozen ResNet-101
comes from the config's ImageNet initialisation. Unused keys are printed.
"""
import argparse

import torch

from mmcorr.compat import load_checkpoint_file, set_unsafe_checkpoint_loading
from mmcorr.models.converters import convert_sfnet_corr


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src')
    parser.add_argument('dst')
    parser.add_argument('--unsafe-load', action='store_true')
    args = parser.parse_args(argv)
    set_unsafe_checkpoint_loading(args.unsafe_load)
    converted, unused = convert_sfnet_corr(
        load_checkpoint_file(args.src, map_location='cpu'))
    for key in unused:
        print(f'unused official key: {key}')
    torch.save({'state_dict': converted,
                'meta': {'converted_from': 'cvlab-yonsei/SFNet'}}, args.dst)
    print(f'{len(converted)} tensors written to {args.dst}')


if __name__ == '__main__':
    main()
