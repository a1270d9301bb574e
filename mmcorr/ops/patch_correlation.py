# Copyright (c) mmcorr contributors. All rights reserved.
"""Correlation with bilinear windows around per-pixel offsets, fused.

``patch_correlation(A, B, offset, P)`` equals
``(A[:, :, None] * sample_patches(B, offset, P)).sum(1)`` without sampling
the ``C x P^2`` window copy of ``B``: a bilinear sample is a weighted sum
of four pixels, so its dot product with a query is the same weighted sum
of the query's dot products with those pixels. For a tile of queries the
dot products with every key pixel their windows can touch are one matrix
product (``T^2 x C`` by ``C x box``); each window cell then gathers its
four corners from it. Memory stays within a tile; the work is dense GEMM.
"""
import torch
from torch import Tensor

from ._checks import check_feature_pair, check_finite, check_int, check_odd
from .sampling import _check_offset

__all__ = ['patch_correlation']


def _sample_positions(offset: Tensor, patch_size: int, dilation: int,
                      align_corners: bool, size):
    """Pixel positions ``[B, P*P, H, W]`` (x, y) that ``grid_sample``
    interpolates for :func:`~mmcorr.ops.sample_patches`' windows.

    With ``align_corners=False`` the official MAST grids (normalised by
    ``W - 1``) land at ``X * W / (W - 1) - 0.5`` (``X - 0.5`` for a size-1
    axis), as ``grid_sample`` un-normalises them.
    """
    height, width = size
    radius = (patch_size - 1) // 2
    kwargs = dict(dtype=offset.dtype, device=offset.device)
    steps = torch.arange(-radius, radius + 1, **kwargs) * dilation
    x = torch.arange(width, **kwargs) + offset[:, 0]
    y = torch.arange(height, **kwargs)[:, None] + offset[:, 1]
    x = (x[:, None, None] + steps.view(1, 1, -1, 1, 1)).expand(
        -1, patch_size, -1, -1, -1)
    y = (y[:, None, None] + steps.view(1, -1, 1, 1, 1)).expand(
        -1, -1, patch_size, -1, -1)
    if not align_corners:
        x = x * (width / max(width - 1, 1)) - 0.5
        y = y * (height / max(height - 1, 1)) - 0.5
    shape = (offset.shape[0], patch_size * patch_size, height, width)
    return x.reshape(shape), y.reshape(shape)


def _tile_corners(x: Tensor, y: Tensor, size):
    """The key box a tile's windows touch and their bilinear corners.

    Args:
        x, y: ``[t, N]`` sample positions in pixels.
        size: ``(H, W)`` of the sampled map.

    Returns:
        tuple: ``(rows, cols)`` slices of the box, and four ``(index,
        weight)`` pairs, ``[t, N]`` each: the corner's flat index in the box
        and its bilinear weight (zero outside the map).
    """
    height, width = size
    x0, y0 = torch.floor(x), torch.floor(y)
    x_lo = int(x0.min().clamp(0, width - 1))
    x_hi = int((x0.max() + 1).clamp(0, width - 1))
    y_lo = int(y0.min().clamp(0, height - 1))
    y_hi = int((y0.max() + 1).clamp(0, height - 1))
    box_w = x_hi - x_lo + 1
    fx, fy = x - x0, y - y0
    corners = []
    for cx, cy, weight in ((x0, y0, (1 - fx) * (1 - fy)),
                           (x0 + 1, y0, fx * (1 - fy)),
                           (x0, y0 + 1, (1 - fx) * fy),
                           (x0 + 1, y0 + 1, fx * fy)):
        inside = (cx >= 0) & (cx < width) & (cy >= 0) & (cy < height)
        index = ((cy - y_lo).clamp(0, y_hi - y_lo) * box_w +
                 (cx - x_lo).clamp(0, x_hi - x_lo)).long()
        corners.append((index, weight * inside))
    return (slice(y_lo, y_hi + 1), slice(x_lo, x_hi + 1)), corners


def _tiles(height: int, width: int, tile: int):
    """``(rows, cols)`` slices of the query tiles."""
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            yield (slice(top, min(top + tile, height)),
                   slice(left, min(left + tile, width)))


def _check_patch_args(feat: Tensor, offset: Tensor, patch_size: int,
                      dilation: int, tile: int) -> None:
    check_odd(patch_size, 'patch_size')
    check_int(dilation, 'dilation', 1)
    check_int(tile, 'tile', 1)
    _check_offset(offset, feat)


def patch_correlation(feat_a: Tensor,
                      feat_b: Tensor,
                      offset: Tensor,
                      patch_size: int,
                      dilation: int = 1,
                      align_corners: bool = True,
                      tile: int = 16) -> Tensor:
    """Dot products of each A position with a bilinear ``P x P`` window of
    B around ``position + offset``.

    ``out[b, i * P + j, y, x] = sum_c A[b, c, y, x] * S[b, c, i * P + j, y,
    x]`` with ``S = sample_patches(feat_b, offset, P, dilation,
    align_corners)`` (zero padding), computed tile by tile without ``S``.

    Args:
        feat_a (Tensor): ``[B, C, H, W]`` queries.
        feat_b (Tensor): ``[B, C, H, W]`` keys, sampled.
        offset (Tensor): ``[B, 2, H, W]`` (x, y) in pixels.
        patch_size (int): Window side P, odd.
        dilation (int): Spacing of window cells, in pixels.
        align_corners (bool): As :func:`~mmcorr.ops.sample_patches` (``False``
            reproduces MAST's grid_sample call without the argument).
        tile (int): Side of the query tiles, in pixels: each takes one
            ``tile^2 x C`` by ``C x box`` product, ``box`` the key pixels
            its windows reach (about ``(tile + P * dilation + spread)^2``
            for offsets that vary by ``spread`` pixels within the tile).

    Returns:
        Tensor: ``[B, P*P, H, W]``.
    """
    check_feature_pair(feat_a, feat_b, 'feat_a', 'feat_b', same_size=True)
    _check_patch_args(feat_b, offset, patch_size, dilation, tile)
    check_finite(feat_a, 'feat_a')
    check_finite(feat_b, 'feat_b')
    batch, channels, height, width = feat_a.shape
    x, y = _sample_positions(offset.to(feat_a.dtype), patch_size, dilation,
                             align_corners, (height, width))
    cells = patch_size * patch_size
    out = feat_a.new_empty(batch, cells, height, width)
    for b in range(batch):
        for rows, cols in _tiles(height, width, tile):
            queries = feat_a[b, :, rows, cols].reshape(channels, -1).t()
            tile_x = x[b, :, rows, cols].reshape(cells, -1).t()
            tile_y = y[b, :, rows, cols].reshape(cells, -1).t()
            (box_rows, box_cols), corners = _tile_corners(
                tile_x, tile_y, (height, width))
            box = feat_b[b, :, box_rows, box_cols].reshape(channels, -1)
            dots = queries @ box  # [t, box]
            scores = sum(dots.gather(1, index) * weight
                         for index, weight in corners)
            out[b, :, rows, cols] = scores.t().reshape(out[b, :, rows,
                                                           cols].shape)
    return out

