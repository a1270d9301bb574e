# Copyright (c) mmcorr contributors. All rights reserved.
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.psp_head import PPM
from torch import Tensor


class PyramidPoolingContext(nn.Module):
    """PSPNet's pyramid pooling as SFNet uses it on C5.

    Each pooled branch is a 1x1 conv + norm *without* activation (mmseg's
    ``PPM`` with ``act_cfg=None``); the branches, then the input, are
    concatenated and fused by a 1x1 conv + norm + act and ``Dropout2d``.

    Args:
        in_channels (int): Channels of the input ``[B, C_in, H, W]``.
        channels (int): Output channels.
        pool_scales (tuple[int]): Pooled grid sizes.
        dropout (float): Dropout2d probability after the fusion.
        align_corners (bool): Of the branch upsampling.
    """

    def __init__(self, in_channels: int, channels: int,
                 pool_scales=(1, 2, 3, 6), dropout: float = 0.1,
                 conv_cfg=None, norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'), align_corners: bool = False):
        super().__init__()
        self.branches = PPM(pool_scales, in_channels, channels, conv_cfg,
                            norm_cfg, None, align_corners)
        self.fuse = ConvModule(
            in_channels + len(pool_scales) * channels, channels, 1,
            conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.dropout = nn.Dropout2d(dropout)

    def forward(self, x: Tensor) -> Tensor:
        """``[B, C_in, H, W]`` -> ``[B, channels, H, W]``."""
        return self.dropout(self.fuse(torch.cat(self.branches(x) + [x], 1)))
