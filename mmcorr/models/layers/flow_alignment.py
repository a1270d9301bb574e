# Copyright (c) mmcorr contributors. All rights reserved.
"""SFNet's Flow Alignment Module (FAM) and SFNet-Lite's gated dual-flow FAM.

Both predict a flow field from a reduced high-level (coarse) feature, resized
to the low-level (fine) grid, and the reduced low-level feature, and sample
with :func:`mmcorr.ops.flow_warp`. The grid convention is an argument:
``'pixel'`` (default, the flow is in fine pixels and zero flow is plain
bilinear upsampling) or ``'sfnet_legacy'`` (the official checkpoints').
"""
from typing import Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.models.utils import resize
from torch import Tensor

from mmcorr.ops import flow_warp


def _check_pair(low: Tensor, high: Tensor, channels: int) -> None:
    for name, x in (('low', low), ('high', high)):
        if x.dim() != 4 or x.shape[1] != channels:
            raise ValueError(f'{name} must be [B, {channels}, H, W], got '
                             f'shape {tuple(x.shape)}')
    if low.shape[0] != high.shape[0]:
        raise ValueError(f'batch sizes differ: low {low.shape[0]}, high '
                         f'{high.shape[0]}')


class FlowAlignmentModule(BaseModule):
    """Flow Alignment Module of SFNet (ECCV 2020).

    ``flow = conv3x3(cat[up(reduce_high(high)), reduce_low(low)])`` and the
    output is the *original* ``high`` sampled onto the low grid by that flow,
    so one ``grid_sample`` upsamples and aligns.

    Args:
        in_channels (int): Channels C of both inputs.
        reduced_channels (int): Channels of the two 1x1 reductions (C // 2 in
            SFNet).
        kernel_size (int): Kernel of the flow convolution.
        grid_convention (str): See :func:`mmcorr.ops.flow_warp`.
        align_corners (bool): ``align_corners`` of the bilinear resize of the
            reduced high feature and of the warp (the official code: True,
            with the ``'sfnet_legacy'`` grid; the torchcv original: False).
    """

    def __init__(self,
                 in_channels: int,
                 reduced_channels: int,
                 kernel_size: int = 3,
                 grid_convention: str = 'pixel',
                 align_corners: bool = False,
                 init_cfg=None):
        super().__init__(init_cfg)
        self.in_channels = in_channels
        self.grid_convention = grid_convention
        self.align_corners = align_corners
        self.reduce_high = nn.Conv2d(in_channels, reduced_channels, 1,
                                     bias=False)
        self.reduce_low = nn.Conv2d(in_channels, reduced_channels, 1,
                                    bias=False)
        self.flow_conv = nn.Conv2d(2 * reduced_channels, self.flow_channels,
                                   kernel_size, padding=kernel_size // 2,
                                   bias=False)

    flow_channels = 2

    def _reduced_pair(self, low: Tensor, high: Tensor) -> Tuple[Tensor, Tensor]:
        _check_pair(low, high, self.in_channels)
        high_reduced = resize(self.reduce_high(high), size=low.shape[2:],
                              mode='bilinear',
                              align_corners=self.align_corners)
        return high_reduced, self.reduce_low(low)

    def predict_flow(self, low: Tensor, high: Tensor) -> Tensor:
        """The flow, ``[B, flow_channels, H_low, W_low]``, x then y."""
        high_reduced, low_reduced = self._reduced_pair(low, high)
        return self.flow_conv(torch.cat([high_reduced, low_reduced], 1))

    def forward(self, low: Tensor, high: Tensor) -> Tensor:
        """Align ``high`` to ``low``.

        Args:
            low (Tensor): ``[B, C, H, W]``, the fine feature.
            high (Tensor): ``[B, C, h, w]``, the coarse feature.

        Returns:
            Tensor: ``[B, C, H, W]``, ``high`` warped onto the fine grid.
        """
        flow = self.predict_flow(low, high)
        return self._warp(high, flow)

    def _warp(self, feat: Tensor, flow: Tensor) -> Tensor:
        return flow_warp(feat, flow, self.grid_convention,
                         align_corners=self.align_corners)


class GatedDualFlowAlignmentModule(FlowAlignmentModule):
    """Gated dual-flow FAM of SFNet-Lite (IJCV 2023, ``spatial_atten``).

    The flow convolution predicts two flows: one samples the original
    ``high`` onto the fine grid, the other re-samples ``low`` in place. A gate
    ``g = sigmoid(conv3x3([mean_c(h), mean_c(low), max_c(h), max_c(low)]))``,
    from the channel mean and max of the reduced, resized high feature ``h``
    and of the (unreduced) low feature, mixes them:
    ``g * warp(high) + (1 - g) * warp(low)``.
    """

    flow_channels = 4

    def __init__(self, in_channels: int, reduced_channels: int,
                 kernel_size: int = 3, **kwargs):
        super().__init__(in_channels, reduced_channels, kernel_size,
                         **kwargs)
        self.gate_conv = nn.Conv2d(4, 1, kernel_size,
                                   padding=kernel_size // 2, bias=False)

    def forward(self, low: Tensor, high: Tensor) -> Tensor:
        """Fuse ``high`` and ``low``: ``[B, C, H, W]`` on the fine grid."""
        high_reduced, low_reduced = self._reduced_pair(low, high)
        flow = self.flow_conv(torch.cat([high_reduced, low_reduced], 1))
        high_warped = self._warp(high, flow[:, :2])
        low_warped = self._warp(low, flow[:, 2:])
        gate = torch.sigmoid(self.gate_conv(torch.cat([
            high_reduced.mean(1, keepdim=True),
            low.mean(1, keepdim=True),
            high_reduced.amax(1, keepdim=True),
            low.amax(1, keepdim=True)
        ], 1)))
        return high_warped * gate + low_warped * (1 - gate)
