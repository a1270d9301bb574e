# Copyright (c) mmcorr contributors. All rights reserved.
"""Bilinear sampling: ``P x P`` windows around per-pixel offset positions,
and feature vectors at sub-pixel points."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from ._checks import (check_4d, check_finite, check_int, check_odd,
                      check_same_device, check_tensor)
from ._grid_sample import grid_sample

__all__ = ['sample_patches', 'sample_points']


def sample_patches(feat: Tensor,
                   offset: Optional[Tensor],
                   patch_size: int,
                   dilation: int = 1,
                   align_corners: bool = True,
                   padding_mode: str = 'zeros',
                   window_rows: Optional[range] = None) -> Tensor:
    """Sample a ``P x P`` window of ``feat`` around ``pixel + offset``.

    ``out[b, c, i * P + j, y, x] = feat[b, c, y + oy + (i - R) * d,
    x + ox + (j - R) * d]`` (bilinear, zeros outside), with
    ``(ox, oy) = offset[b, :, y, x]`` in pixels: MAST's ``deform_im2col``,
    in the units of :func:`window_soft_argmax`. With zero offset and
    ``dilation=1`` this equals ``F.unfold(feat, P, padding=R)``.

    Args:
        feat (Tensor): ``[B, C, H, W]``, floating point.
        offset (Tensor, optional): ``[B, 2, H, W]`` (x, y) in pixels, on
            ``feat``'s device, any real dtype (cast to ``feat``'s, as
            :func:`mmcorr.ops.flow_warp` casts its flow); ``None`` for zero.
        patch_size (int): Window side P, odd.
        dilation (int): Spacing of window cells, in pixels, an integer
            ``>= 1``.
        align_corners (bool): Positions are normalised for
            ``align_corners=True`` (pixel ``k`` at ``2k/(W-1) - 1``); MAST's
            official code then calls ``grid_sample`` without the argument
            (``False`` since torch 1.3), a half-pixel shift: pass ``False`` to
            reproduce it.
        padding_mode (str): ``grid_sample`` padding mode.
        window_rows (range, optional): Only these window rows ``i`` (a
            ``range`` within ``0..P-1``), so that a caller can bound its
            memory by sampling a large window a few rows at a time;
            ``None``: all ``P``.

    Returns:
        Tensor: ``[B, C, len(window_rows) * P, H, W]`` (``[B, C, P*P, H, W]``
        by default), cells in row-major window order. Without an offset and
        with zero padding the windows are exact copies (shifted slices of
        the zero-padded map, no interpolation).
    """
    check_4d(feat, 'feat')
    check_odd(patch_size, 'patch_size')
    check_int(dilation, 'dilation', 1)
    rows = _check_window_rows(window_rows, patch_size)
    batch, _, height, width = feat.shape
    if offset is None and padding_mode == 'zeros' and align_corners:
        return _shifted_windows(feat, patch_size, dilation, rows)
    if offset is None:
        offset = feat.new_zeros(batch, 2, height, width)
    _check_offset(offset, feat)
    offset = offset.to(feat.dtype)
    radius = (patch_size - 1) // 2
    kwargs = dict(dtype=feat.dtype, device=feat.device)
    steps = torch.arange(-radius, radius + 1, **kwargs) * dilation
    row_steps = steps[rows.start:rows.stop]
    x = torch.arange(width, **kwargs) + offset[:, 0]  # [B, H, W]
    y = torch.arange(height, **kwargs)[:, None] + offset[:, 1]
    # [B, rows, P(j), H, W] sample positions
    x = x[:, None, None] + steps.view(1, 1, -1, 1, 1)
    y = y[:, None, None] + row_steps.view(1, -1, 1, 1, 1)
    x, y = torch.broadcast_tensors(x, y)
    grid, align_corners = _normalise(x, y, feat.shape[2:], align_corners,
                                     padding_mode)
    cells = len(rows) * patch_size
    grid = grid.reshape(batch, cells * height, width, 2)
    out = grid_sample(
        feat,
        grid,
        mode='bilinear',
        padding_mode=padding_mode,
        align_corners=align_corners)
    return out.view(batch, -1, cells, height, width)


def sample_points(feat: Tensor, points: Tensor) -> Tensor:
    """The feature vector of ``feat`` at each of ``K`` sub-pixel points.

    ``out[b, k] = feat[b, :, y, x]`` at ``(x, y) = points[b, k]``, bilinear,
    in pixel units with pixel centres at integers (pixel ``(0, 0)`` is the
    top-left centre), as AdaptIS' ``ExtractQueryFeatures`` reads it (a
    torchvision ``RoIAlign`` of output 1 x 1 on the box ``[p - 0.5, p]``,
    which samples exactly at ``p``). Positions beyond the last centre read
    the border pixel (RoIAlign's clamp); points must lie inside the map.

    Args:
        feat (Tensor): ``[B, C, H, W]``, floating point.
        points (Tensor): ``[B, K, 2]`` ``(x, y)`` in pixels of ``feat``,
            any real dtype (cast to ``feat``'s), ``0 <= x <= W - 1``,
            ``0 <= y <= H - 1``.

    Returns:
        Tensor: ``[B, K, C]``.
    """
    check_4d(feat, 'feat')
    check_tensor(points, 'points', '[B, K, 2]', 3, floating=False)
    batch, _, height, width = feat.shape
    if points.shape[0] != batch or points.shape[2] != 2:
        raise ValueError(f'points must be [B, K, 2] with B = {batch}, got '
                         f'{tuple(points.shape)}')
    check_same_device(points, feat, 'points', 'feat')
    points = points.to(feat.dtype)
    check_finite(points, 'points')
    grid, align_corners = _normalise(points[..., 0], points[..., 1],
                                     (height, width), True, 'border')
    out = grid_sample(feat, grid[:, :, None], mode='bilinear',
                      padding_mode='border', align_corners=align_corners)
    return out[..., 0].transpose(1, 2)


def _check_window_rows(window_rows: Optional[range], patch_size: int) -> range:
    """``window_rows`` as a non-empty step-1 ``range`` inside ``0..P-1``."""
    if window_rows is None:
        return range(patch_size)
    if not isinstance(window_rows, range) or window_rows.step != 1 or \
            len(window_rows) == 0 or window_rows.start < 0 or \
            window_rows.stop > patch_size:
        raise ValueError('window_rows must be a non-empty range(start, stop) '
                         f'within 0..{patch_size - 1}, got {window_rows!r}')
    return window_rows


def _shifted_windows(feat: Tensor, patch_size: int, dilation: int,
                     rows: range) -> Tensor:
    """Zero-offset windows as slices of the zero-padded map (exact)."""
    height, width = feat.shape[2:]
    pad = (patch_size - 1) // 2 * dilation
    padded = F.pad(feat, (pad, pad, pad, pad))
    cells = [
        padded[:, :, i * dilation:i * dilation + height,
               j * dilation:j * dilation + width] for i in rows
        for j in range(patch_size)
    ]
    return torch.stack(cells, dim=2)


def _normalise(x: Tensor, y: Tensor, size, align_corners: bool,
               padding_mode: str):
    """Pixel positions -> ``grid_sample`` grid and ``align_corners`` flag.

    Args:
        x, y (Tensor): Positions in pixels, same shape ``S``.
        size (tuple): ``(H, W)`` of the sampled map, in pixels.

    Returns:
        tuple: The grid ``[*S, 2]`` and the flag to sample it with.
        ``align_corners=True`` puts every position of a size-1 axis on its
        one pixel (``grid_sample`` scales by ``size - 1 = 0``), so with zero
        padding such maps use the same positions normalised for
        ``align_corners=False`` (pixel ``k`` at ``(2k + 1) / size - 1``).
    """
    height, width = size
    if align_corners and padding_mode == 'zeros' and min(size) == 1:
        return torch.stack(((2 * x + 1) / width - 1,
                            (2 * y + 1) / height - 1), dim=-1), False
    return torch.stack((2 * x / max(width - 1, 1) - 1,
                        2 * y / max(height - 1, 1) - 1),
                       dim=-1), align_corners


def _check_offset(offset: Tensor, feat: Tensor) -> None:
    """``offset``: finite, real, ``[B, 2, H, W]`` of ``feat``, same device."""
    check_tensor(offset, 'offset', '[B, 2, H, W]', 4, floating=False)
    batch, _, height, width = feat.shape
    if offset.shape != (batch, 2, height, width):
        raise ValueError('offset must be [B, 2, H, W] = '
                         f'{[batch, 2, height, width]}, got '
                         f'{list(offset.shape)}')
    check_same_device(offset, feat, 'offset', 'feat')
    check_finite(offset, 'offset')
