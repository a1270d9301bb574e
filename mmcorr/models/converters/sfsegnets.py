# Copyright (c) mmcorr contributors. All rights reserved.
"""Key mapping from lxtGH/SFSegNets checkpoints (SFNet v1, SFNet-Lite).

One explicit rename table per model; official keys that match no rule (the
modules the official code builds and never calls) are returned as unused.
The head is told from the keys (:func:`detect_sfsegnet_head`) unless given;
``strict=True`` refuses any other unused key, so that a checkpoint of the
other head is never written incomplete.
"""
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional, Tuple

import torch

from .common import (ConversionError, describe_keys, rename_keys,
                     unwrap_state_dict)

__all__ = [
    'convert_sfsegnet', 'detect_sfsegnet_head', 'SFSEGNET_TABLES',
    'SFSEGNET_SIGNATURES', 'SFSEGNET_UNUSED'
]

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
#: official key prefixes that only one head's checkpoints hold
SFSEGNET_SIGNATURES = {
    'v1': ('head.fpn_out.', 'head.fpn_out_align.'),
    'lite': ('head.flow_align_module.', ),
}
#: official key prefixes expected to stay unused: modules built and never
#: called (SFNet-Lite's ``fpn_in.2`` and ``dsn``), and the training loss
#: that ``AlignNetResNet`` keeps as ``criterion`` (class-weight buffers)
SFSEGNET_UNUSED = {
    'v1': ('criterion.', ),
    'lite': ('head.fpn_in.2.', 'head.dsn.', 'criterion.'),
}
_HEAD_OPTION = f'--head {{{",".join(SFSEGNET_TABLES)}}}'


def detect_sfsegnet_head(state_dict: Mapping[str, torch.Tensor]) -> str:
    """``'v1'`` or ``'lite'``: the head whose :data:`SFSEGNET_SIGNATURES`
    the keys hold.

    Raises:
        ConversionError: the keys hold both heads' signatures or neither
            (e.g. a backbone alone); the message names ``--head``.
    """
    keys = list(unwrap_state_dict(state_dict))
    found = [
        head for head, prefixes in SFSEGNET_SIGNATURES.items()
        if any(key.startswith(prefixes) for key in keys)
    ]
    if len(found) == 1:
        return found[0]
    what = 'both' if found else 'neither'
    raise ConversionError(
        f'cannot tell the SFSegNets head from the checkpoint keys: they hold '
        f'{what} of the signatures {SFSEGNET_SIGNATURES}; choose the head '
        f'with {_HEAD_OPTION}')


def convert_sfsegnet(state_dict: Dict[str, torch.Tensor],
                     head: Optional[str] = None,
                     strict: bool = False) -> Tuple[OrderedDict, List[str]]:
    """Rename an official SFSegNets state dict.

    Args:
        state_dict (dict): Official ``name -> tensor`` (a ``state_dict``
            wrapper and ``module.`` prefixes are removed).
        head (str, optional): ``'v1'`` (SFNet) or ``'lite'`` (SFNet-Lite);
            ``None`` detects it (:func:`detect_sfsegnet_head`).
        strict (bool): Refuse official keys left unused other than the
            expected :data:`SFSEGNET_UNUSED`.

    Returns:
        tuple: The mmcorr state dict and the official keys left unused.

    Raises:
        ConversionError: ``strict`` and an unexpected key is left unused,
            or ``head`` is ``None`` and cannot be detected.
    """
    state_dict = unwrap_state_dict(state_dict)
    head = head or detect_sfsegnet_head(state_dict)
    if head not in SFSEGNET_TABLES:
        raise ValueError(f'head must be one of {list(SFSEGNET_TABLES)}, '
                         f'got {head!r}')
    converted, unused = rename_keys(state_dict, SFSEGNET_TABLES[head])
    if strict:
        _refuse_unexpected(unused, head)
    return converted, unused


def _refuse_unexpected(unused: List[str], head: str) -> None:
    """Raise :class:`ConversionError` naming the keys of ``unused`` that
    are not among the :data:`SFSEGNET_UNUSED` of ``head``."""
    leftover = [k for k in unused if not k.startswith(SFSEGNET_UNUSED[head])]
    if leftover:
        raise ConversionError(
            f'{len(leftover)} official keys have no counterpart in the '
            f'mmcorr {head!r} model and are not expected to be unused '
            f'{SFSEGNET_UNUSED[head]}:\n{describe_keys(leftover)}\n'
            f'Converting would drop them. If the head was detected or given '
            f'wrongly, choose it with {_HEAD_OPTION}')
