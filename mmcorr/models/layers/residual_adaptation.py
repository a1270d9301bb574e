# Copyright (c) mmcorr contributors. All rights reserved.
import torch.nn as nn
from mmcv.cnn import ConvModule
from torch import Tensor


class ResidualAdaptation(nn.Module):
    """SFNet's adaptation layer: ``x = x + ReLU(BN(conv(x)))``, repeated.

    Args:
        channels (int): Channels C of ``[B, C, H, W]`` in and out.
        kernel_size (int): Odd kernel of the convolutions (5 for C4 and 3
            for C5 in SFNet).
        num_units (int): Residual units.
    """

    def __init__(self, channels: int, kernel_size: int, num_units: int = 2,
                 norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU')):
        super().__init__()
        self.units = nn.ModuleList(
            ConvModule(channels, channels, kernel_size,
                       padding=kernel_size // 2, bias=True, norm_cfg=norm_cfg,
                       act_cfg=act_cfg) for _ in range(num_units))

    def forward(self, x: Tensor) -> Tensor:
        for unit in self.units:
            x = x + unit(x)
        return x
