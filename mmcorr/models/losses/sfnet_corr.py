# Copyright (c) mmcorr contributors. All rights reserved.
"""SFNet's weakly supervised correspondence losses (CVPR 2019).

Mask consistency, flow consistency and flow smoothness, each summed over
both matching directions and divided by the batch size; weights default to
the official ones. Each loss takes the matcher's grids and flows plus the
two foreground masks and computes its own terms (warping through
:func:`mmcorr.ops.grid_warp`), so it works on its own:

.. code-block:: python

    loss = MaskConsistencyLoss()(grid_s2t, grid_t2s, flow_s2t, flow_t2s,
                                 src_mask, tgt_mask)

Shapes: grids ``[B, h, w, 2]`` (``align_corners=True`` meaning, as
:func:`mmcorr.ops.kernel_soft_argmax` gives them), flows ``[B, 2, h, w]`` in
the same normalised units, masks ``[B, 1, h, w]`` 0/1 at feature size.
"""
from typing import NamedTuple, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmcorr.ops import grid_warp
from mmcorr.registry import MODELS


def foreground_count(mask: Tensor) -> Tensor:
    """``[B, 1, H, W]`` mask -> ``[B, 1, 1, 1]`` foreground pixels + 1."""
    return mask.sum(dim=(2, 3), keepdim=True) + 1


def _warp(x: Tensor, grid: Tensor, legacy_grid_sample: bool) -> Tensor:
    return grid_warp(x, grid, align_corners=not legacy_grid_sample)


def warped_masks(grid_s2t: Tensor, grid_t2s: Tensor, src_mask: Tensor,
                 tgt_mask: Tensor,
                 legacy_grid_sample: bool = False) -> Tuple[Tensor, Tensor]:
    """The target mask seen from the source (sampled with ``grid_s2t``)
    and the source mask seen from the target, ``[B, 1, h, w]`` each.

    ``legacy_grid_sample=True`` samples with ``align_corners=False``, as the
    official code does on torch >= 1.3 although its grids mean ``True``.
    """
    return (_warp(tgt_mask, grid_s2t, legacy_grid_sample),
            _warp(src_mask, grid_t2s, legacy_grid_sample))


def warped_flows(grid_s2t: Tensor, grid_t2s: Tensor, flow_s2t: Tensor,
                 flow_t2s: Tensor, src_mask: Tensor, tgt_mask: Tensor,
                 legacy_grid_sample: bool = False) -> Tuple[Tensor, Tensor]:
    """The negated backward flow read where each forward flow points,
    on the foreground: ``-warp(flow_t2s, grid_s2t) * src_mask`` and the
    other direction, ``[B, 2, h, w]`` each."""
    return (-_warp(flow_t2s, grid_s2t, legacy_grid_sample) * src_mask,
            -_warp(flow_s2t, grid_t2s, legacy_grid_sample) * tgt_mask)


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


class Matching(NamedTuple):
    """A matcher's outputs in both directions (shapes: module docstring)."""
    grid_s2t: Tensor
    grid_t2s: Tensor
    flow_s2t: Tensor
    flow_t2s: Tensor


class _SFNetLoss(nn.Module):
    """Common signature: ``loss(grid_s2t, grid_t2s, flow_s2t, flow_t2s,
    src_mask, tgt_mask)`` -> ``loss_weight * total / B``, where subclasses
    compute ``total`` (summed over both directions)."""

    def __init__(self, loss_weight: float):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, grid_s2t: Tensor, grid_t2s: Tensor, flow_s2t: Tensor,
                flow_t2s: Tensor, src_mask: Tensor,
                tgt_mask: Tensor) -> Tensor:
        matching = Matching(grid_s2t, grid_t2s, flow_s2t, flow_t2s)
        total = self.total(matching, src_mask, tgt_mask)
        return self.loss_weight * total / src_mask.shape[0]

    def total(self, matching: Matching, src_mask: Tensor,
              tgt_mask: Tensor) -> Tensor:
        raise NotImplementedError


class _WarpingLoss(_SFNetLoss):
    """A loss that warps with the grids; ``legacy_grid_sample=True``
    samples with ``align_corners=False`` as the official code does (see
    :func:`warped_masks`)."""

    def __init__(self, loss_weight: float, legacy_grid_sample: bool = False):
        super().__init__(loss_weight)
        self.legacy_grid_sample = legacy_grid_sample


@MODELS.register_module()
class MaskConsistencyLoss(_WarpingLoss):
    """``sum((warped_mask - mask)^2) / (H*W)`` per direction (SFNet's L1).

    Args:
        loss_weight (float): 3 in SFNet.
        legacy_grid_sample (bool): The official sampling (see
            :func:`warped_masks`).
    """

    def __init__(self, loss_weight: float = 3.0, **kwargs):
        super().__init__(loss_weight, **kwargs)

    def total(self, matching: Matching, src_mask: Tensor,
              tgt_mask: Tensor) -> Tensor:
        est_src, est_tgt = warped_masks(matching.grid_s2t, matching.grid_t2s,
                                        src_mask, tgt_mask,
                                        self.legacy_grid_sample)
        area = src_mask.shape[2] * src_mask.shape[3]
        return ((est_src - src_mask)**2).sum() / area + (
            (est_tgt - tgt_mask)**2).sum() / area


@MODELS.register_module()
class FlowConsistencyLoss(_WarpingLoss):
    """Forward flow against the negated backward flow sampled at its target,
    on the foreground, per foreground pixel (SFNet's L2).

    Args:
        loss_weight (float): 16 in SFNet.
        legacy_grid_sample (bool): As :class:`MaskConsistencyLoss`.
    """

    def __init__(self, loss_weight: float = 16.0, **kwargs):
        super().__init__(loss_weight, **kwargs)

    def total(self, matching: Matching, src_mask: Tensor,
              tgt_mask: Tensor) -> Tensor:
        warped = warped_flows(*matching, src_mask, tgt_mask,
                              self.legacy_grid_sample)
        total = 0
        for flow, back, mask in zip((matching.flow_s2t, matching.flow_t2s),
                                    warped, (src_mask, tgt_mask)):
            total = total + ((flow * mask - back)**2 /
                             foreground_count(mask)).sum()
        return total


@MODELS.register_module()
class FlowSmoothnessLoss(_SFNetLoss):
    """Sum of the smoothness maps per foreground pixel (SFNet's L3).

    Args:
        loss_weight (float): 0.5 in SFNet.
        legacy_smoothness (bool): The official kernel that sums the u and v
            derivatives before the absolute value (see
            :func:`flow_smoothness_map`).
    """

    def __init__(self, loss_weight: float = 0.5,
                 legacy_smoothness: bool = False):
        super().__init__(loss_weight)
        self.legacy_smoothness = legacy_smoothness

    def total(self, matching: Matching, src_mask: Tensor,
              tgt_mask: Tensor) -> Tensor:
        total = 0
        for flow, mask in ((matching.flow_s2t, src_mask),
                           (matching.flow_t2s, tgt_mask)):
            smooth = flow_smoothness_map(flow, mask, self.legacy_smoothness)
            total = total + (smooth / foreground_count(mask)).sum()
        return total
