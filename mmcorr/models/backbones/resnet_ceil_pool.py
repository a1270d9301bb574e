# Copyright (c) mmcorr contributors. All rights reserved.
"""mmseg's ResNetV1c with a ceil-mode stem max-pool (AlignSeg's ResNet).

AlignSeg's ResNet-101 (``networks/alignseg.py``) equals mmseg's
``ResNetV1c(depth=101, stem_channels=128)`` layer for layer: deep stem
3->64 (stride 2), 64->64, 64->128, each conv -> BN -> ReLU; Bottlenecks with
the stride on the 3x3 conv (``style='pytorch'``); a 1x1 strided conv + BN
projection on the first block of every stage (``avg_down=False``; layer1
too, since 128 != 256); no dilation. The one difference is the stem's
``MaxPool2d(3, stride=2, padding=1, ceil_mode=True)``: it changes every
feature size whenever the stem output (input / 2) is even, e.g. a 128 x 128
input gives 33 x 33 at stride 4 instead of 32 x 32, and 872 gives 219
instead of 218.
"""
import torch.nn as nn
from mmseg.models.backbones import ResNetV1c

from mmcorr.registry import MODELS

__all__ = ['ResNetV1cCeilPool']


@MODELS.register_module()
class ResNetV1cCeilPool(ResNetV1c):
    """``ResNetV1c`` whose stem max-pool rounds its output size up.

    Same arguments, parameters and state-dict keys as mmseg's
    :class:`~mmseg.models.backbones.ResNetV1c`. For an input
    ``[B, 3, H, W]`` the stride-4 map is
    ``ceil((ceil(H / 2) - 1) / 2) + 1`` high (instead of
    ``floor(...) + 1``), and so on down the stages.
    """

    def _make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        super()._make_stem_layer(in_channels, stem_channels)
        self.maxpool = nn.MaxPool2d(
            kernel_size=3, stride=2, padding=1, ceil_mode=True)
