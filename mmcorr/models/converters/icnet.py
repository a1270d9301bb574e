# Copyright (c) mmcorr contributors. All rights reserved.
"""Key mapping from blanclist/ICNet (co-saliency) checkpoints to
:class:`~mmcorr.models.ICNetCoSaliency`.

The official model keeps torchvision's VGG16 layer indices
(``vgg.vgg.<i>``); its blocks map one to one (``Co6.cosal_feat`` is the
shared foreground/background branch, ``Co6.conv`` their fusion,
``refine_k`` the decoder blocks). The official VGG initialisation
``vgg16_feat.pth`` (keys ``<i>.weight`` or ``vgg.<i>.weight``) converts to
the backbone alone.
"""
from collections import OrderedDict
from typing import List, Mapping, Tuple

from .common import rename_keys, unwrap_state_dict

__all__ = ['convert_icnet', 'convert_icnet_vgg']

ICNET_TABLE = [
    (r'^vgg\.vgg\.', 'backbone.features.'),
    (r'^Co([456])\.cosal_feat\.conv\.', r'cosal\1.branch.conv.'),
    (r'^Co([456])\.conv\.', r'cosal\1.fuse.'),
    (r'^conv([456])_cmprs\.', r'compress\1.'),
    (r'^merge_co_56\.', 'merge56.'),
    (r'^merge_co_45\.', 'merge45.'),
    (r'^get_pred_4\.pred\.0\.', 'predict4.'),
    (r'^refine_([123])\.cmprs\.', r'decoder\1.compress.'),
    (r'^refine_([123])\.merge_conv\.', r'decoder\1.merge.'),
    (r'^refine_([123])\.pred\.pred\.0\.', r'decoder\1.predict.'),
]
VGG_TABLE = [(r'^(?:vgg\.)?(\d+)\.', r'backbone.features.\1.')]


def convert_icnet(checkpoint: Mapping) -> Tuple[OrderedDict, List[str]]:
    """Official ICNet checkpoint -> ``ICNetCoSaliency`` keys.

    Returns:
        tuple: The converted state dict and the official keys left unused.
    """
    return rename_keys(unwrap_state_dict(checkpoint), ICNET_TABLE)


def convert_icnet_vgg(checkpoint: Mapping) -> Tuple[OrderedDict, List[str]]:
    """The official ``vgg16_feat.pth`` -> ``backbone.features.*`` keys."""
    return rename_keys(unwrap_state_dict(checkpoint), VGG_TABLE)
