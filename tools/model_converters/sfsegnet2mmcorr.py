# Copyright (c) mmcorr contributors. All rights reserved.
"""Convert an official SFSegNets checkpoint (SFNet v1 or SFNet-Lite) to mmcorr.

    python tools/model_converters/sfsegnet2mmcorr.py SRC DST [--head v1|lite]

Keys are renamed by :func:`mmcorr.models.converters.convert_sfsegnet` (one
explicit table per model). Official keys with no counterpart (modules the
official code builds but never calls) are printed, never dropped silently.
The source is loaded with mmcorr's safe loader (``--unsafe-load`` to allow
arbitrary pickles).
"""
import argparse

import torch

from mmcorr.compat import load_checkpoint_file, set_unsafe_checkpoint_loading
from mmcorr.models.converters import SFSEGNET_TABLES, convert_sfsegnet


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official checkpoint')
    parser.add_argument('dst', help='mmcorr checkpoint to write')
    parser.add_argument('--head', choices=list(SFSEGNET_TABLES), default='v1')
    parser.add_argument('--unsafe-load', action='store_true')
    args = parser.parse_args(argv)
    set_unsafe_checkpoint_loading(args.unsafe_load)
    converted, unused = convert_sfsegnet(
        load_checkpoint_file(args.src, map_location='cpu'), args.head)
    for key in unused:
        print(f'unused official key (module built but never called): {key}')
    torch.save({'state_dict': converted,
                'meta': {'converted_from': 'lxtGH/SFSegNets',
                         'head': args.head}}, args.dst)
    print(f'{len(converted)} tensors written to {args.dst}; '
          f'{len(unused)} official keys unused')


if __name__ == '__main__':
    main()
