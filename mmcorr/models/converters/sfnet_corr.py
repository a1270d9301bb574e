# Copyright (c) mmcorr contributors. All rights reserved.
"""Key mapping from cvlab-yonsei/SFNet (semantic correspondence) checkpoints.

The official training saves only the two adaptation layers:
``{'state_dict1': adap_layer_feat3, 'state_dict2': adap_layer_feat4}``
(keys like ``conv1.0.weight``); a full-model state dict uses the module
prefixes ``adap_layer_feat3.`` / ``adap_layer_feat4.``. Both are accepted.
The frozen ResNet-101 is torchvision's: see :func:`convert_torchvision_resnet`.
"""
from collections import OrderedDict
from typing import Dict, List, Mapping, Tuple

import torch

from .common import rename_keys, unwrap_state_dict

__all__ = ['convert_sfnet_corr', 'convert_torchvision_resnet']

#: official adaptation layers -> SemanticFlowMatcher
SFNET_CORR_TABLE = [
    (r'^adap_layer_feat3\.conv([12])\.0\.',
     lambda m: f'adapt_fine.units.{int(m.group(1)) - 1}.conv.'),
    (r'^adap_layer_feat3\.conv([12])\.1\.',
     lambda m: f'adapt_fine.units.{int(m.group(1)) - 1}.bn.'),
    (r'^adap_layer_feat4\.conv([12])\.0\.',
     lambda m: f'adapt_coarse.units.{int(m.group(1)) - 1}.conv.'),
    (r'^adap_layer_feat4\.conv([12])\.1\.',
     lambda m: f'adapt_coarse.units.{int(m.group(1)) - 1}.bn.'),
]


def convert_sfnet_corr(
        checkpoint: Mapping) -> Tuple[OrderedDict, List[str]]:
    """Official SFNet checkpoint -> ``SemanticFlowMatcher`` keys.

    Returns:
        tuple: The converted state dict and the official keys left unused.
    """
    if 'state_dict1' in checkpoint:
        merged = {}
        for name, prefix in (('state_dict1', 'adap_layer_feat3.'),
                             ('state_dict2', 'adap_layer_feat4.')):
            merged.update({prefix + k: v for k, v in checkpoint[name].items()})
        checkpoint = merged
    return rename_keys(unwrap_state_dict(checkpoint), SFNET_CORR_TABLE)


def convert_torchvision_resnet(
        state_dict: Mapping[str, torch.Tensor],
        prefix: str = 'backbone.') -> Tuple[Dict, List[str]]:
    """torchvision ResNet keys -> mmseg ``ResNet`` keys under ``prefix``.

    The layouts match one to one (``conv1``, ``bn1``, ``layerN.i.*``); the
    classifier ``fc.*`` has no counterpart and is returned as unused.
    """
    return rename_keys(unwrap_state_dict(state_dict),
                   [(r'^(conv1|bn1|layer[1-4])\.', prefix + r'\1.')])
