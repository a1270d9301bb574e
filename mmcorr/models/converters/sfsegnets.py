# Copyright (c) mmcorr contributors. All rights reserved.
"""Key mapping from lxtGH/SFSegNets checkpoints (SFNet v1, SFNet-Lite).

One explicit rename table per model; official keys that match no rule (the
modules the official code builds and never calls) are returned as unused.
"""
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch

from .common import rename_keys, unwrap_state_dict

__all__ = ['convert_sfsegnet', 'SFSEGNET_TABLES']

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
SFSEGNET_TABLES = {'v1': V1_TABLE, 'lite': LITE_TABLE}


def convert_sfsegnet(state_dict: Dict[str, torch.Tensor],
                     head: str = 'v1') -> Tuple[OrderedDict, List[str]]:
    """Rename an official SFSegNets state dict.

    Args:
        state_dict (dict): Official ``name -> tensor`` (prefixes removed).
        head (str): ``'v1'`` (SFNet) or ``'lite'`` (SFNet-Lite).

    Returns:
        tuple: The mmcorr state dict and the official keys left unused.
    """
    if head not in SFSEGNET_TABLES:
        raise ValueError(f'head must be one of {list(SFSEGNET_TABLES)}, '
                         f'got {head!r}')
    return rename_keys(unwrap_state_dict(state_dict), SFSEGNET_TABLES[head])
