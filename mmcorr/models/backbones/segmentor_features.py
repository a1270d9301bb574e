# Copyright (c) mmcorr contributors. All rights reserved.
"""An mmseg backbone (+ neck) + decode head, as a feature extractor: the
head's last feature map, without its classifier.

AdaptIS' Cityscapes models take their features from a DeepLabV3+ (a
dilated ResNet, a depthwise-separable ASPP and the stride-4 skip: 256
channels at stride 4) or from a semantic FPN; mmseg expresses both (its
``ResNetV1c`` + ``DepthwiseSeparableASPPHead``, ``FPN`` + ``FPNHead``),
so they are reused here with the classifier (``conv_seg``) replaced by the
identity.
"""
from typing import Optional

import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmcorr.registry import MODELS

__all__ = ['SegmentorFeatures']


@MODELS.register_module()
class SegmentorFeatures(BaseModule):
    """``[B, 3, H, W] -> [B, head.channels, H / s, W / s]``.

    Args:
        backbone (dict): An mmseg backbone (``type='mmseg.ResNetV1c'``...).
        decode_head (dict): An mmseg decode head; its ``num_classes`` is
            irrelevant (filled in), dropout is off, ``conv_seg`` unused.
        neck (dict, optional): An mmseg neck (``mmseg.FPN``).
        init_cfg: mmengine initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 decode_head: dict,
                 neck: Optional[dict] = None,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = None if neck is None else MODELS.build(neck)
        head = MODELS.build(dict(decode_head, num_classes=1,
                                 dropout_ratio=0.0))
        head.conv_seg = nn.Identity()
        self.decode_head = head
        self.out_channels = head.channels

    def forward(self, images: Tensor) -> Tensor:
        feats = self.backbone(images)
        if self.neck is not None:
            feats = self.neck(feats)
        return self.decode_head(feats)
