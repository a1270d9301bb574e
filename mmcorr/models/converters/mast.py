# Copyright (c) mmcorr contributors. All rights reserved.
"""Key mapping from zlai0/MAST checkpoints to
:class:`~mmcorr.models.MASTVideoSegmentor`.

MAST's ``ResNet18`` blocks keep their convs in ``left`` (conv, BN, ReLU,
conv, BN) and the projection in ``shortcut`` (conv, BN); in mmcorr the
stages are mmseg's ``ResLayer`` of ``BasicBlock`` (``conv1``, ``bn1``,
``conv2``, ``bn2``, ``downsample``) and the stem a ``ConvModule``.
``post_convolution`` becomes ``key_proj``. The official checkpoints save
``{'epoch', 'state_dict', 'optimizer'}`` (DataParallel's ``module.``
stripped).
"""
from collections import OrderedDict
from typing import List, Mapping, Tuple

from .common import rename_keys, unwrap_state_dict

__all__ = ['convert_mast']

_BLOCK = r'^feature_extraction\.(layer\d)\.(\d+)\.'
MAST_TABLE = [
    (r'^feature_extraction\.conv1\.0\.', 'backbone.stem.conv.'),
    (r'^feature_extraction\.conv1\.1\.', 'backbone.stem.bn.'),
    (_BLOCK + r'left\.0\.', r'backbone.\1.\2.conv1.'),
    (_BLOCK + r'left\.1\.', r'backbone.\1.\2.bn1.'),
    (_BLOCK + r'left\.3\.', r'backbone.\1.\2.conv2.'),
    (_BLOCK + r'left\.4\.', r'backbone.\1.\2.bn2.'),
    (_BLOCK + r'shortcut\.([01])\.', r'backbone.\1.\2.downsample.\3.'),
    (r'^post_convolution\.', 'key_proj.'),
]


def convert_mast(checkpoint: Mapping) -> Tuple[OrderedDict, List[str]]:
    """Official MAST checkpoint -> ``MASTVideoSegmentor`` keys.

    Returns:
        tuple: The converted state dict and the official keys left unused.
    """
    return rename_keys(unwrap_state_dict(checkpoint), MAST_TABLE)
