# Copyright (c) mmcorr contributors. All rights reserved.
"""SFNet's weakly supervised losses (CVPR 2019): mask consistency, flow
consistency and flow smoothness, each summed over both matching directions
and divided by the batch size. Weights default to the official ones."""
from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmcorr.registry import MODELS


def foreground_count(mask: Tensor) -> Tensor:
    """``[B, 1, H, W]`` mask -> ``[B, 1, 1, 1]`` foreground pixels + 1."""
    return mask.sum(dim=(2, 3), keepdim=True) + 1


def flow_smoothness_map(flow: Tensor, mask: Tensor,
                        legacy_channel_sum: bool = False) -> Tensor:
    """Masked absolute central differences of a flow, ``[B, 2, H, W]``.

    Channel 0 is the x derivative, channel 1 the y derivative, each
    ``(f[k+1] - f[k-1]) / 2`` with zero padding. Correct: ``|d u| + |d v|``.
    ``legacy_channel_sum=True`` reproduces the official kernel of shape
    ``(1, 2, 1, 3)``, which sums u and v *before* the absolute value:
    ``|d u + d v|``.

    Args:
        flow (Tensor): ``[B, 2, H, W]``.
        mask (Tensor): ``[B, 1, H, W]``; only foreground counts.
    """
    dx = (F.pad(flow, (0, 2, 0, 0)) - F.pad(flow, (2, 0, 0, 0)))[..., 1:-1]
    dx = dx / 2
    dy = (F.pad(flow, (0, 0, 0, 2)) - F.pad(flow, (0, 0, 2, 0)))[:, :, 1:-1]
    dy = dy / 2
    if legacy_channel_sum:
        dx, dy = dx.sum(1, keepdim=True).abs(), dy.sum(1, keepdim=True).abs()
    else:
        dx, dy = dx.abs().sum(1, keepdim=True), dy.abs().sum(1, keepdim=True)
    return torch.cat((dx * mask, dy * mask), 1)


def _directions(outputs: Dict, key: str):
    return outputs[f'{key}_s2t'], outputs[f'{key}_t2s']


@MODELS.register_module()
class MaskConsistencyLoss(nn.Module):
    """``sum((warped_mask - mask)^2) / (H*W)`` per direction (SFNet's L1)."""

    def __init__(self, loss_weight: float = 3.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, outputs: Dict, src_mask: Tensor,
                tgt_mask: Tensor) -> Tensor:
        est_src, est_tgt = outputs['warped_mask_s2t'], outputs[
            'warped_mask_t2s']
        area = src_mask.shape[2] * src_mask.shape[3]
        loss = ((est_src - src_mask)**2).sum() / area + (
            (est_tgt - tgt_mask)**2).sum() / area
        return self.loss_weight * loss / src_mask.shape[0]


@MODELS.register_module()
class FlowConsistencyLoss(nn.Module):
    """Forward flow against the negated backward flow sampled at its target,
    on the foreground, per foreground pixel (SFNet's L2)."""

    def __init__(self, loss_weight: float = 16.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, outputs: Dict, src_mask: Tensor,
                tgt_mask: Tensor) -> Tensor:
        loss = 0
        for flow, warped, mask in zip(
                _directions(outputs, 'masked_flow'),
                _directions(outputs, 'warped_flow'), (src_mask, tgt_mask)):
            loss = loss + ((flow - warped)**2 / foreground_count(mask)).sum()
        return self.loss_weight * loss / src_mask.shape[0]


@MODELS.register_module()
class FlowSmoothnessLoss(nn.Module):
    """Sum of the smoothness maps per foreground pixel (SFNet's L3)."""

    def __init__(self, loss_weight: float = 0.5):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, outputs: Dict, src_mask: Tensor,
                tgt_mask: Tensor) -> Tensor:
        loss = 0
        for smooth, mask in zip(_directions(outputs, 'smoothness'),
                                (src_mask, tgt_mask)):
            loss = loss + (smooth / foreground_count(mask)).sum()
        return self.loss_weight * loss / src_mask.shape[0]
