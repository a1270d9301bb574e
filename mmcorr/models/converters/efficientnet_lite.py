# Copyright (c) mmcorr contributors. All rights reserved.
"""Key mapping from the EfficientNet-Lite checkpoints of the
``efficientnet-lite-pytorch`` family of packages (``_conv_stem``,
``_blocks.N._depthwise_conv``, ``_bn0`` ...: lukemelas' EfficientNet-PyTorch
naming) to :class:`~mmcorr.models.backbones.EfficientNetLite`.

The reference numbers its blocks 0 ... N-1 across all stages; mmcorr groups
them into ``layer1`` ... ``layer7`` (mmseg ``MobileNetV2`` naming), so the
mapping needs the architecture's stage depths. In a block, ``_bn0``,
``_bn1`` and ``_bn2`` follow the expansion, depthwise and projection convs;
a block without expansion (the first) has no ``_expand_conv`` and its
depthwise BN is still ``_bn1``. The classifier ``_fc`` is returned under
``fc.`` (the backbone leaves it unused; the ImageNet check uses it).
"""
import re
from collections import OrderedDict
from typing import List, Mapping, Tuple

from .common import ConversionError, unwrap_state_dict

__all__ = ['convert_efficientnet_lite']

_TOP = {
    '_conv_stem.': 'stem.conv.',
    '_bn0.': 'stem.bn.',
    '_conv_head.': 'head_conv.conv.',
    '_bn1.': 'head_conv.bn.',
    '_fc.': 'fc.',
}
_BLOCK_PARTS = {
    '_expand_conv.': 'expand_conv.conv.',
    '_bn0.': 'expand_conv.bn.',
    '_depthwise_conv.': 'depthwise_conv.conv.',
    '_bn1.': 'depthwise_conv.bn.',
    '_project_conv.': 'linear_conv.conv.',
    '_bn2.': 'linear_conv.bn.',
}
_BLOCK = re.compile(r'^_blocks\.(\d+)\.(_[a-z_]+\d?\.)(.+)$')


def _block_names(arch: str) -> List[str]:
    from ..backbones.efficientnet_lite import efficientnet_lite_stages
    names = []
    for i, (repeats, *_rest) in enumerate(efficientnet_lite_stages(arch)):
        names += [f'layer{i + 1}.{j}' for j in range(repeats)]
    return names


def convert_efficientnet_lite(checkpoint: Mapping, arch: str = 'lite0'
                              ) -> Tuple[OrderedDict, List[str]]:
    """Reference-package EfficientNet-Lite state dict -> mmcorr keys.

    Returns:
        tuple: The converted state dict and the keys left unused.

    Raises:
        ConversionError: a block index beyond ``arch``'s depth (another
            architecture's checkpoint).
    """
    blocks = _block_names(arch)
    converted, unused = OrderedDict(), []
    for key, value in unwrap_state_dict(checkpoint).items():
        match = _BLOCK.match(key)
        if match:
            index, part, leaf = int(match.group(1)), match.group(2), \
                match.group(3)
            if index >= len(blocks):
                raise ConversionError(
                    f'{key}: block {index} does not exist in {arch} '
                    f'({len(blocks)} blocks); pass the right arch')
            if part in _BLOCK_PARTS:
                converted[f'{blocks[index]}.{_BLOCK_PARTS[part]}{leaf}'] = \
                    value
                continue
        else:
            for source, target in _TOP.items():
                if key.startswith(source):
                    converted[target + key[len(source):]] = value
                    break
            else:
                unused.append(key)
            continue
        unused.append(key)
    return converted, unused
