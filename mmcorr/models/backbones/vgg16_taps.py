# Copyright (c) mmcorr contributors. All rights reserved.
"""VGG16 giving each stage's last conv BEFORE its pooling.

mmcv's ``VGG`` returns stage outputs after their max-pooling; ICNet taps
``conv1_2, conv2_2, conv3_3, conv4_3, conv5_3`` before it. The layer list
keeps torchvision's ``vgg16().features`` indices (conv ``i``, ReLU ``i + 1``,
pooling after each stage; with ``norm_cfg``, ``vgg16_bn``'s conv, BN, ReLU),
so their ImageNet weights load by index.
"""
from typing import Dict, List, Optional, Tuple

import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor

from mmcorr.registry import MODELS

#: convs per stage and their channels (VGG16, configuration "D").
VGG16_STAGES = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))


@MODELS.register_module()
class VGG16PrePoolTaps(BaseModule):
    """VGG16 conv layers; ``forward`` -> the five stage outputs before
    pooling: strides 1, 2, 4, 8, 16 (``[N, 64, H, W]`` ...
    ``[N, 512, H/16, W/16]``).

    Args:
        in_channels (int): Input channels.
        norm_cfg (dict, optional): ``None`` (ICNet's VGG16, no
            normalisation) or e.g. ``dict(type='BN')``: a norm layer after
            every conv (``vgg16_bn``), for training from scratch.
        init_cfg (dict, optional): e.g. ``Pretrained`` with
            ``prefix='backbone.'``.
    """

    def __init__(self, in_channels: int = 3,
                 norm_cfg: Optional[Dict] = None, init_cfg=None):
        super().__init__(init_cfg)
        layers: List[nn.Module] = []
        self.taps: List[int] = []  # index after each stage's last ReLU
        channels = in_channels
        for stage, (num_convs, width) in enumerate(VGG16_STAGES):
            if stage:
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            for _ in range(num_convs):
                layers.append(nn.Conv2d(channels, width, 3, 1, 1))
                if norm_cfg is not None:
                    layers.append(build_norm_layer(norm_cfg, width)[1])
                layers.append(nn.ReLU(inplace=True))
                channels = width
            self.taps.append(len(layers))
        self.features = nn.ModuleList(layers)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        outs, start = [], 0
        for end in self.taps:
            for layer in self.features[start:end]:
                x = layer(x)
            outs.append(x)
            start = end
        return tuple(outs)
