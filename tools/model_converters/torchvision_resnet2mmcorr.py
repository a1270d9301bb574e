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
import argparse

import torch

from mmcorr.compat import load_checkpoint_file, set_unsafe_checkpoint_loading
from mmcorr.models.converters import convert_torchvision_resnet


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src')
    parser.add_argument('dst')
    parser.add_argument('--prefix', default='backbone.')
    parser.add_argument('--unsafe-load', action='store_true')
    args = parser.parse_args(argv)
    set_unsafe_checkpoint_loading(args.unsafe_load)
    converted, unused = convert_torchvision_resnet(
        load_checkpoint_file(args.src, map_location='cpu'), args.prefix)
    for key in unused:
        print(f'left out (no counterpart): {key}')
    torch.save({'state_dict': converted}, args.dst)
    print(f'{len(converted)} tensors written to {args.dst}')


if __name__ == '__main__':
    main()
