# Copyright (c) mmcorr contributors. All rights reserved.
"""An mmseg backbone (+ neck) (+ decode head), as a feature extractor:
the head's last feature map without its classifier, or the neck's pyramid.

AdaptIS' Cityscapes models take their features from a DeepLabV3+ (a
dilated ResNet, a depthwise-separable ASPP and the stride-4 skip: 256
channels at stride 4: mmseg's ``ResNetV1c`` + ``DepthwiseSeparableASPPHead``
with the classifier (``conv_seg``) replaced by the identity), or from a
ResNet-FPN whose finest level feeds the point heads and whose whole pyramid
feeds a semantic FPN head (mmseg's ``ResNetV1c`` + ``FPN``, no decode head
here; ``mmseg.FPNHead`` as the segmentor's semantic head).
"""
from typing import List, Optional, Union

import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmcorr.registry import MODELS

__all__ = ['SegmentorFeatures']


@MODELS.register_module()
class SegmentorFeatures(BaseModule):
    """``[B, 3, H, W] -> [B, head.channels, H / s, W / s]`` with a decode
    head; without one, the neck's maps (a list, finest first, each
    ``[B, neck.out_channels, H / s_i, W / s_i]``).

    Args:
        backbone (dict): An mmseg backbone (``type='mmseg.ResNetV1c'``...).
        decode_head (dict, optional): An mmseg decode head; its
            ``num_classes`` is irrelevant (filled in), dropout is off,
            ``conv_seg`` unused. ``None``: the output is the neck's.
        neck (dict, optional): An mmseg neck (``mmseg.FPN``); required
            without a decode head.
        init_cfg: mmengine initialisation config.

    Attributes:
        out_channels (int): Channels of the map, or of every pyramid level.
    """

    def __init__(self,
                 backbone: dict,
                 decode_head: Optional[dict] = None,
                 neck: Optional[dict] = None,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if decode_head is None and neck is None:
            raise ValueError('SegmentorFeatures needs a decode_head (one '
                             'map) or a neck (a pyramid)')
        self.backbone = MODELS.build(backbone)
        self.neck = None if neck is None else MODELS.build(neck)
        self.decode_head = None
        if decode_head is not None:
            head = MODELS.build(dict(decode_head, num_classes=1,
                                     dropout_ratio=0.0))
            head.conv_seg = nn.Identity()
            self.decode_head = head
            self.out_channels = head.channels
        else:
            self.out_channels = self.neck.out_channels

    def forward(self, images: Tensor) -> Union[Tensor, List[Tensor]]:
        feats = self.backbone(images)
        if self.neck is not None:
            feats = self.neck(feats)
        if self.decode_head is None:
            return feats if isinstance(feats, Tensor) else list(feats)
        return self.decode_head(feats)
