# Copyright (c) mmcorr contributors. All rights reserved.
"""MAST's encoder: a ResNet-18 of stride 4 (zlai0/MAST ``ResNet18``).

A 7 x 7 stride-2 stem (conv -> BN -> ReLU) with **no max-pool**, then four
stages of two basic blocks at 64, 128, 256 and 256 channels with strides
1, 2, 1, 1: a 256-channel map at a quarter of the input size.

mmseg's ``ResNet`` cannot express it: its stem always max-pools (stride 8
after ``layer2``) and its stage widths double every stage (``layer4`` would
have 512 channels). Its parts can, exactly: the stages are mmseg's
``ResLayer`` of mmseg's ``BasicBlock`` (conv3x3 with the stride -> BN ->
ReLU -> conv3x3 -> BN, plus a 1 x 1 strided conv + BN projection when the
stride or width changes, then ReLU), as in MAST's ``ResidualBlock``.
"""
from typing import Sequence, Tuple

from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.backbones.resnet import BasicBlock
from mmseg.models.utils import ResLayer
from torch import Tensor

from mmcorr.registry import MODELS

__all__ = ['ResNet18Stride4']


@MODELS.register_module()
class ResNet18Stride4(BaseModule):
    """ResNet-18 without the stem max-pool: stride 4, 256 channels.

    Args:
        in_channels (int): Input channels (3: MAST's Lab frames).
        stage_channels (sequence of int): Width of each stage.
        strides (sequence of int): Stride of each stage's first block.
        blocks_per_stage (int): Basic blocks per stage.
        norm_cfg (dict): Normalisation of every conv.
        init_cfg: mmengine initialisation config.

    Shapes:
        ``[B, in_channels, H, W]`` -> ``[B, stage_channels[-1],
        ceil(H / 4), ceil(W / 4)]`` (for the default strides).
    """

    def __init__(self,
                 in_channels: int = 3,
                 stage_channels: Sequence[int] = (64, 128, 256, 256),
                 strides: Sequence[int] = (1, 2, 1, 1),
                 blocks_per_stage: int = 2,
                 norm_cfg: dict = dict(type='BN'),
                 init_cfg=None):
        super().__init__(init_cfg)
        if len(stage_channels) != len(strides):
            raise ValueError(f'stage_channels {tuple(stage_channels)} and '
                             f'strides {tuple(strides)} differ in length')
        self.in_channels = in_channels
        self.stem = ConvModule(
            in_channels,
            stage_channels[0],
            7,
            stride=2,
            padding=3,
            bias=False,
            norm_cfg=norm_cfg)
        self.stage_names = []
        inplanes = stage_channels[0]
        for i, (planes, stride) in enumerate(zip(stage_channels, strides)):
            name = f'layer{i + 1}'
            self.add_module(
                name,
                ResLayer(BasicBlock, inplanes, planes, blocks_per_stage,
                         stride=stride, norm_cfg=norm_cfg))
            self.stage_names.append(name)
            inplanes = planes
        self.out_channels = inplanes

    def forward(self, x: Tensor) -> Tuple[Tensor]:
        """``[B, C, H, W]`` -> a 1-tuple with the last stage's map."""
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'{type(self).__name__} takes [B, '
                             f'{self.in_channels}, H, W], got '
                             f'{tuple(x.shape)}')
        x = self.stem(x)
        for name in self.stage_names:
            x = getattr(self, name)(x)
        return (x, )

