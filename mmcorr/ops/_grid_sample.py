# Copyright (c) mmcorr contributors. All rights reserved.
"""``F.grid_sample`` that uses every CPU thread for small batches.

ATen's CPU grid sampler parallelises over the batch only, so a batch of one
runs on one thread (and its backward is far slower still). Folding groups of
channels into the batch (a free view) and repeating the grid gives the same
numbers, computed in parallel.
"""
import torch
import torch.nn.functional as F
from torch import Tensor


def _channel_groups(batch: int, channels: int) -> int:
    """Largest divisor of ``channels`` that brings the batch up to the threads."""
    wanted = -(-torch.get_num_threads() // batch)  # ceil
    for groups in range(min(wanted, channels), 1, -1):
        if channels % groups == 0:
            return groups
    return 1


def grid_sample(feat: Tensor, grid: Tensor, mode: str = 'bilinear',
                padding_mode: str = 'zeros',
                align_corners: bool = False) -> Tensor:
    """``F.grid_sample(feat, grid, ...)``, parallel over channels on CPU.

    Args:
        feat (Tensor): ``[B, C, Hi, Wi]``.
        grid (Tensor): ``[B, Ho, Wo, 2]`` in ``[-1, 1]`` units.

    Returns:
        Tensor: ``[B, C, Ho, Wo]``, identical to ``F.grid_sample``.
    """
    batch, channels = feat.shape[:2]
    groups = 1 if feat.is_cuda else _channel_groups(batch, channels)
    if groups == 1:
        return F.grid_sample(feat, grid, mode=mode, padding_mode=padding_mode,
                             align_corners=align_corners)
    folded = feat.reshape(batch * groups, channels // groups,
                          *feat.shape[2:])
    grids = grid.unsqueeze(1).expand(batch, groups,
                                     *grid.shape[1:]).reshape(
                                         batch * groups, *grid.shape[1:])
    out = F.grid_sample(folded, grids, mode=mode, padding_mode=padding_mode,
                        align_corners=align_corners)
    return out.view(batch, channels, *out.shape[2:])
