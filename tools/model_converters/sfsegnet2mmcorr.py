# Copyright (c) mmcorr contributors. All rights reserved.
"""Convert an official SFSegNets checkpoint (SFNet v1 or SFNet-Lite) to mmcorr.

    python tools/model_converters/sfsegnet2mmcorr.py SRC DST [--head v1|lite]

Keys are renamed by one explicit table per model (below). Official keys with
no counterpart (modules the official code builds but never calls) and mmcorr
keys left unfilled are printed, never dropped silently. The source is loaded
with mmcorr's safe loader (``--unsafe-load`` to allow arbitrary pickles).
"""
import argparse
import re
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch

#: backbone (lxtGH/SFSegNets ``network/resnet_d.py``) -> mmseg ResNetV1c
BACKBONE_TABLE = [
    (r'^layer0\.0\.([0134])\.', r'backbone.stem.\1.'),
    (r'^layer0\.0\.6\.', r'backbone.stem.6.'),
    (r'^layer0\.1\.', r'backbone.stem.7.'),
    (r'^(layer[1-4])\.', r'backbone.\1.'),
]
#: shared head parts: PPM, laterals, final fusion and classifier
_HEAD_COMMON = [
    (r'^head\.ppm\.stages\.(\d+)\.1\.', r'decode_head.ppm.branches.\1.1.conv.'),
    (r'^head\.ppm\.stages\.(\d+)\.2\.', r'decode_head.ppm.branches.\1.1.bn.'),
    (r'^head\.ppm\.bottleneck\.0\.', r'decode_head.ppm.fuse.conv.'),
    (r'^head\.ppm\.bottleneck\.1\.', r'decode_head.ppm.fuse.bn.'),
    (r'^head\.conv_last\.0\.0\.', r'decode_head.fusion_conv.conv.'),
    (r'^head\.conv_last\.0\.1\.', r'decode_head.fusion_conv.bn.'),
    (r'^head\.conv_last\.1\.', r'decode_head.conv_seg.'),
]
#: SFNet v1 head (``UperNetAlignHead``)
V1_TABLE = BACKBONE_TABLE + _HEAD_COMMON + [
    (r'^head\.fpn_in\.(\d+)\.0\.', r'decode_head.lateral_convs.\1.conv.'),
    (r'^head\.fpn_in\.(\d+)\.1\.', r'decode_head.lateral_convs.\1.bn.'),
    (r'^head\.fpn_out\.(\d+)\.0\.0\.', r'decode_head.fpn_convs.\1.conv.'),
    (r'^head\.fpn_out\.(\d+)\.0\.1\.', r'decode_head.fpn_convs.\1.bn.'),
    (r'^head\.fpn_out_align\.(\d+)\.down_h\.',
     r'decode_head.fams.\1.reduce_high.'),
    (r'^head\.fpn_out_align\.(\d+)\.down_l\.',
     r'decode_head.fams.\1.reduce_low.'),
    (r'^head\.fpn_out_align\.(\d+)\.flow_make\.',
     r'decode_head.fams.\1.flow_conv.'),
]
#: SFNet-Lite head (``UperNetAlignHeadV2``, ``spatial_atten``); its
#: ``fpn_in.2`` and ``dsn`` are built but never called: left unused.
LITE_TABLE = BACKBONE_TABLE + _HEAD_COMMON + [
    (r'^head\.fpn_in\.([01])\.0\.', r'decode_head.lateral_convs.\1.conv.'),
    (r'^head\.fpn_in\.([01])\.1\.', r'decode_head.lateral_convs.\1.bn.'),
    (r'^head\.flow_align_module\.down_h\.', r'decode_head.fam.reduce_high.'),
    (r'^head\.flow_align_module\.down_l\.', r'decode_head.fam.reduce_low.'),
    (r'^head\.flow_align_module\.flow_make\.', r'decode_head.fam.flow_conv.'),
    (r'^head\.flow_align_module\.flow_gate\.0\.',
     r'decode_head.fam.gate_conv.'),
]
TABLES = {'v1': V1_TABLE, 'lite': LITE_TABLE}


def rename(key: str, table) -> str:
    """The mmcorr name of an official key, or ``None`` if none matches."""
    for pattern, replacement in table:
        if re.match(pattern, key):
            return re.sub(pattern, replacement, key)
    return None


def unwrap(checkpoint) -> Dict[str, torch.Tensor]:
    """The state dict of a checkpoint, without DataParallel prefixes."""
    for key in ('state_dict', 'model'):
        if isinstance(checkpoint, dict) and key in checkpoint:
            checkpoint = checkpoint[key]
    return OrderedDict((k[len('module.'):] if k.startswith('module.') else k,
                        v) for k, v in checkpoint.items())


def convert_sfsegnet(state_dict: Dict[str, torch.Tensor],
                     head: str = 'v1') -> Tuple[OrderedDict, List[str]]:
    """Rename an official SFSegNets state dict.

    Args:
        state_dict (dict): Official ``name -> tensor`` (prefixes removed).
        head (str): ``'v1'`` (SFNet) or ``'lite'`` (SFNet-Lite).

    Returns:
        tuple: The mmcorr state dict and the official keys left unused.
    """
    if head not in TABLES:
        raise ValueError(f'head must be one of {list(TABLES)}, got {head!r}')
    converted, unused = OrderedDict(), []
    for key, value in unwrap(state_dict).items():
        new_key = rename(key, TABLES[head])
        if new_key is None:
            unused.append(key)
        else:
            converted[new_key] = value
    return converted, unused


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official checkpoint')
    parser.add_argument('dst', help='mmcorr checkpoint to write')
    parser.add_argument('--head', choices=list(TABLES), default='v1')
    parser.add_argument('--unsafe-load', action='store_true')
    args = parser.parse_args()
    from mmcorr.compat import (load_checkpoint_file,
                               set_unsafe_checkpoint_loading)
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
