# Copyright (c) mmcorr contributors. All rights reserved.
"""Warp a feature map by a flow field, with named grid conventions.

A flow ``[B, 2, Ho, Wo]`` (channel 0: x, channel 1: y) defines, for every
output pixel, where to sample the input ``[B, C, Hi, Wi]``; the output has the
flow's size, so a coarse map can be sampled straight onto a fine grid (SFNet's
FAM). Conventions (see ``docs/conventions.md``):

``'pixel'`` (default)
    The flow is in output pixels and zero flow is the identity when the sizes
    match (bilinear resizing otherwise; equal to ``F.interpolate`` with
    ``padding_mode='border'``). Output pixel ``(i, j)`` reads the input
    at output-grid position ``(j + fx, i + fy)``, mapped to the input grid by
    the resize rule of ``align_corners`` (default ``False``: pixel centres,
    ``x_in = (x_out + 0.5) * Wi / Wo - 0.5``; ``True``: corners,
    ``x_in = x_out * (Wi - 1) / (Wo - 1)``).
``'sfnet_legacy'``
    SFSegNets' ``flow_warp``: base grid ``linspace(-1, 1)`` over the output,
    plus ``flow / [Wo, Ho]`` (normalised by the *output* size), sampled with
    ``align_corners=True``. One flow unit is about half an output pixel.
``'alignseg_legacy'``
    AlignSeg's ``bilinear_interpolate_torch_gridsample``: the same base grid,
    plus ``flow / [Wi, Hi]`` (the *sampled* tensor's size), sampled with
    ``align_corners=False`` (what torch >= 1.3 does when the argument is left
    out). Zero flow is not an exact identity there.

Both legacy conventions build their ``linspace`` base grid in float32, as
the official code does (``torch.linspace`` default dtype, then ``type_as``),
so that float64 runs reproduce the official numbers to ~1e-12 rather than
~1e-7.
"""
from typing import Optional

from torch import Tensor

from ._checks import (check_4d, check_finite, check_same_device,
                      check_tensor)
from ._grid_sample import grid_sample
from .coordinates import flow_to_grid

__all__ = ['GRID_CONVENTIONS', 'flow_warp', 'grid_warp']

GRID_CONVENTIONS = ('pixel', 'sfnet_legacy', 'alignseg_legacy')
_DEFAULT_ALIGN_CORNERS = {
    'pixel': False,
    'sfnet_legacy': True,
    'alignseg_legacy': False
}


def _check_flow(feat: Tensor, flow: Tensor) -> None:
    check_4d(feat, 'feat')
    check_tensor(flow, 'flow', '[B, 2, H, W]', 4, floating=False)
    if flow.shape[1] != 2:
        raise ValueError('flow must be [B, 2, H, W] (x, y), got shape '
                         f'{tuple(flow.shape)}')
    if flow.shape[0] != feat.shape[0]:
        raise ValueError(f'batch sizes differ: feat has {feat.shape[0]}, '
                         f'flow has {flow.shape[0]}')
    check_same_device(flow, feat, 'flow', 'feat')
    check_finite(flow, 'flow')


def flow_warp(feat: Tensor,
              flow: Tensor,
              convention: str = 'pixel',
              align_corners: Optional[bool] = None,
              padding_mode: str = 'zeros',
              mode: str = 'bilinear') -> Tensor:
    """Sample ``feat`` at the positions a flow field points to.

    Args:
        feat (Tensor): ``[B, C, Hi, Wi]``, the map to sample, floating point.
        flow (Tensor): ``[B, 2, Ho, Wo]``, x then y, in the convention's
            units, on ``feat``'s device; any real dtype, cast to ``feat``'s.
        convention (str): ``'pixel'``, ``'sfnet_legacy'`` or
            ``'alignseg_legacy'`` (module docstring).
        align_corners (bool, optional): Override the convention's
            ``align_corners`` (e.g. ``'sfnet_legacy'`` with ``False`` is the
            torchcv original, which left the argument out).
        padding_mode (str): ``grid_sample`` padding: ``'zeros'``,
            ``'border'`` or ``'reflection'``.
        mode (str): ``'bilinear'`` or ``'nearest'``.

    Returns:
        Tensor: ``[B, C, Ho, Wo]``.
    """
    if convention not in GRID_CONVENTIONS:
        raise ValueError(f'unknown grid convention {convention!r}; expected '
                         f'one of {GRID_CONVENTIONS}')
    _check_flow(feat, flow)
    if align_corners is None:
        align_corners = _DEFAULT_ALIGN_CORNERS[convention]
    grid = flow_to_grid(flow.to(feat.dtype), feat.shape[-2:], convention,
                        align_corners)
    # the flow is checked: sample directly, not through the checking grid_warp
    return grid_sample(
        feat,
        grid,
        mode=mode,
        padding_mode=padding_mode,
        align_corners=align_corners)


def grid_warp(feat: Tensor,
              grid: Tensor,
              align_corners: bool = True,
              padding_mode: str = 'zeros',
              mode: str = 'bilinear') -> Tensor:
    """Sample ``feat`` at absolute positions given as a normalised grid.

    The grid is in ``grid_sample``'s ``[-1, 1]`` units, x first, e.g. the
    matching grid of :func:`mmcorr.ops.kernel_soft_argmax`, whose coordinates
    mean ``align_corners=True`` (``linspace(-1, 1)`` over the pixels). SFNet's
    official code samples such grids with ``align_corners=False`` (the torch
    >= 1.3 default it did not set): pass ``False`` to reproduce it.

    Args:
        feat (Tensor): ``[B, C, Hi, Wi]``, floating point.
        grid (Tensor): ``[B, Ho, Wo, 2]``, on ``feat``'s device; any real
            dtype, cast to ``feat``'s.
        align_corners (bool): How grid coordinates map to pixels.
        padding_mode (str): ``'zeros'``, ``'border'`` or ``'reflection'``.
        mode (str): ``'bilinear'`` or ``'nearest'``.

    Returns:
        Tensor: ``[B, C, Ho, Wo]``.
    """
    check_4d(feat, 'feat')
    check_tensor(grid, 'grid', '[B, H, W, 2]', floating=False)
    if grid.dim() != 4 or grid.shape[-1] != 2 or grid.shape[0] != \
            feat.shape[0]:
        raise ValueError(f'grid must be [B, H, W, 2] with B = '
                         f'{feat.shape[0]}, got shape {tuple(grid.shape)}')
    check_same_device(grid, feat, 'grid', 'feat')
    check_finite(grid, 'grid')
    return grid_sample(
        feat,
        grid.to(feat.dtype),
        mode=mode,
        padding_mode=padding_mode,
        align_corners=align_corners)
