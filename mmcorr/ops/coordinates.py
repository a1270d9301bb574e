# Copyright (c) mmcorr contributors. All rights reserved.
"""Coordinates: the one place that says what a position means.

Pixels
    ``(x, y)``, x first, with ``(0, 0)`` the CENTRE of the top-left pixel and
    ``(W - 1, H - 1)`` the centre of the bottom-right one. Every keypoint,
    flow in pixels and homography of mmcorr uses this frame.
Normalised coordinates
    ``grid_sample``'s ``[-1, 1]`` units, x first. What ``-1`` and ``1`` mean
    is ``align_corners``:

    - ``True``: the centres of the first and last pixels,
      ``u = 2 x / (W - 1) - 1`` (``linspace(-1, 1, W)`` is the pixel grid).
      SFNet's matching grids mean this.
    - ``False``: the outer edges of the first and last pixels,
      ``u = (2 x + 1) / W - 1``.

    A side of one pixel has a single centre: it is ``0`` in both meanings
    (``align_corners=True`` would divide by zero).
Homographies
    ``3 x 3`` float64 matrices acting on homogeneous pixel coordinates
    ``(x, y, 1)``. The geometric transforms record, per view, the mapping
    from the original file's pixels to the network input's
    (``homography_matrix`` in each view's metainfo), composed as
    ``H_total = H_last @ ... @ H_first``.

Everything here works on torch tensors; :func:`normalize_coords`,
:func:`denormalize_coords` and :func:`apply_homography` also take numpy
arrays (and return them).
"""
from typing import Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ._checks import check_floating, check_int

__all__ = [
    'normalize_coords', 'denormalize_coords', 'base_grid', 'flow_to_grid',
    'flow_to_pixels', 'apply_homography', 'resize_homography',
    'translation_homography', 'flip_homography', 'transfer_points',
    'POINT_SAMPLINGS'
]

ArrayLike = Union[Tensor, np.ndarray]
#: How :func:`transfer_points` reads a grid at a point.
POINT_SAMPLINGS = ('bilinear', 'nearest')


def _extent(size: Sequence[int], align_corners: bool, like):
    """Per-axis ``(x, y)`` divisor and offset of ``u = (2 x + offset) /
    divisor - 1``: ``(W - 1, 0)`` with ``align_corners``, ``(W, 1)``
    without, and for a one-pixel side in both meanings (its centre is 0)."""
    height, width = (int(v) for v in size)
    divisors, offsets = [], []
    for side in (width, height):
        centres = align_corners and side > 1
        divisors.append(float(side - 1 if centres else side))
        offsets.append(0.0 if centres else 1.0)
    if isinstance(like, Tensor):
        return like.new_tensor(divisors), like.new_tensor(offsets)
    return np.asarray(divisors, np.float64), np.asarray(offsets, np.float64)


def normalize_coords(pixels: ArrayLike,
                     size: Sequence[int],
                     align_corners: bool = True) -> ArrayLike:
    """Pixels -> normalised coordinates.

    Args:
        pixels (Tensor | np.ndarray): ``[..., 2]`` ``(x, y)`` pixels.
        size (tuple[int, int]): ``(H, W)`` of the image they belong to.
        align_corners (bool): The meaning of ``-1`` and ``1`` (module
            docstring).

    Returns:
        The same type and shape, in ``[-1, 1]`` units inside the image.
    """
    divisor, offset = _extent(size, align_corners, pixels)
    return (2 * pixels + offset) / divisor - 1


def denormalize_coords(normalised: ArrayLike,
                       size: Sequence[int],
                       align_corners: bool = True) -> ArrayLike:
    """Normalised coordinates ``[..., 2]`` -> pixels of an ``(H, W)`` image
    (the inverse of :func:`normalize_coords`)."""
    divisor, offset = _extent(size, align_corners, normalised)
    return ((normalised + 1) * divisor - offset) / 2


def base_grid(height: int,
              width: int,
              like: Tensor,
              align_corners: bool = True) -> Tensor:
    """``[1, H, W, 2]``: every pixel's own normalised position, x first.

    ``align_corners=True`` gives ``torch.linspace(-1, 1)`` along each axis
    (the identity for ``grid_sample(..., align_corners=True)``; a one-pixel
    side is 0); ``False`` the pixel centres ``(2 i + 1) / n - 1``. ``like``
    gives dtype and device.
    """
    check_int(height, 'height', 1)
    check_int(width, 'width', 1)
    check_floating(like, 'like')
    kwargs = dict(dtype=like.dtype, device=like.device)
    axes = []
    for size in (width, height):
        if align_corners:
            axis = torch.linspace(-1, 1, size, **kwargs) if size > 1 else \
                torch.zeros(1, **kwargs)
        else:
            axis = (2 * torch.arange(size, **kwargs) + 1) / size - 1
        axes.append(axis)
    return torch.stack(torch.meshgrid(*axes, indexing='xy'), dim=-1)[None]


def flow_to_grid(flow: Tensor, in_size: Tuple[int, int], convention: str,
                 align_corners: bool) -> Tensor:
    """A flow ``[B, 2, Ho, Wo]`` -> ``grid_sample`` grid ``[B, Ho, Wo, 2]``.

    Units per convention (``docs/conventions.md``, :mod:`mmcorr.ops.warp`):

    - ``'pixel'``: output pixels; output pixel ``(i, j)`` reads the output
      grid position ``(j + fx, i + fy)``, normalised over the output size
      with ``align_corners`` (so a coarse input is read as if resized).
    - ``'sfnet_legacy'``: ``linspace(-1, 1)`` base grid plus
      ``flow / (Wo, Ho)`` (the OUTPUT size).
    - ``'alignseg_legacy'``: the same base grid plus ``flow / (Wi, Hi)``
      (``in_size``, the sampled tensor's size).

    Both legacy base grids are built in float32, as the official code does.
    """
    height, width = flow.shape[-2:]
    kwargs = dict(dtype=flow.dtype, device=flow.device)
    if convention == 'pixel':
        x = torch.arange(width, **kwargs) + flow[:, 0]
        y = torch.arange(height, **kwargs)[:, None] + flow[:, 1]
        pixels = torch.stack((x, y), dim=-1)
        if align_corners:
            # a corner-aligned resize onto a one-pixel side reads pixel 0,
            # as F.interpolate(align_corners=True) does
            extent = pixels.new_tensor([max(width - 1, 1), max(height - 1, 1)])
            return 2 * pixels / extent - 1
        return normalize_coords(pixels, (height, width), False)
    norm_h, norm_w = (height, width) if convention == 'sfnet_legacy' \
        else in_size
    gx = torch.linspace(-1, 1, width).to(**kwargs) + flow[:, 0] / norm_w
    gy = torch.linspace(-1, 1, height).to(**kwargs)[:, None] + \
        flow[:, 1] / norm_h
    return torch.stack((gx, gy), dim=-1)


def flow_to_pixels(flow: Tensor, in_size: Tuple[int, int], convention: str,
                   align_corners: bool) -> Tensor:
    """A flow in any warp convention -> the same displacement in OUTPUT
    pixels, ``[B, 2, Ho, Wo]``: where each output pixel reads (through
    :func:`flow_to_grid`), brought to the output grid with the resize rule
    of ``align_corners``, minus the pixel's own position. The identity for
    ``'pixel'``; e.g. about ``flow / 2`` for ``'sfnet_legacy'``."""
    height, width = flow.shape[-2:]
    grid = flow_to_grid(flow, in_size, convention, align_corners)
    read = denormalize_coords(grid, in_size, align_corners)
    in_h, in_w = in_size
    if align_corners:
        scale = read.new_tensor([(width - 1) / max(in_w - 1, 1),
                                 (height - 1) / max(in_h - 1, 1)])
        out = read * scale
    else:
        scale = read.new_tensor([width / in_w, height / in_h])
        out = (read + 0.5) * scale - 0.5
    own = base_grid(height, width, flow)  # only for its shape and dtype
    own = denormalize_coords(own, (height, width), True)
    return (out - own).permute(0, 3, 1, 2)


# ------------------------------------------------------------- homography
def apply_homography(matrix: ArrayLike, points: ArrayLike) -> ArrayLike:
    """Map ``[K, 2]`` ``(x, y)`` points by a ``3 x 3`` homography (with the
    perspective division; affine matrices have last row ``0, 0, 1``)."""
    if tuple(matrix.shape) != (3, 3):
        raise ValueError(f'a homography must be 3 x 3, got shape '
                         f'{tuple(matrix.shape)}')
    if points.ndim != 2 or points.shape[-1] != 2:
        raise ValueError(f'points must be [K, 2] (x, y), got shape '
                         f'{tuple(points.shape)}')
    xy = points @ matrix[:2, :2].T + matrix[:2, 2]
    w = points @ matrix[2, :2] + matrix[2, 2]
    return xy / w[:, None]


def resize_homography(src_size: Sequence[int],
                      dst_size: Sequence[int]) -> np.ndarray:
    """The pixel mapping of resampling an ``(H, W)`` image to ``(H', W')``
    as cv2, pillow and ``F.interpolate(align_corners=False)`` do (pixel
    edges aligned): ``x' = (x + 0.5) W' / W - 0.5``."""
    (h0, w0), (h1, w1) = src_size, dst_size
    sx, sy = w1 / w0, h1 / h0
    return np.array([[sx, 0, 0.5 * (sx - 1)], [0, sy, 0.5 *
                                               (sy - 1)], [0, 0, 1]],
                    np.float64)


def translation_homography(dx: float, dy: float) -> np.ndarray:
    """``x' = x + dx, y' = y + dy`` (padding on the left/top, cropping)."""
    return np.array([[1, 0, dx], [0, 1, dy], [0, 0, 1]], np.float64)


def flip_homography(size: Sequence[int], direction: str) -> np.ndarray:
    """Mirroring an ``(H, W)`` image: ``'horizontal'`` (``x' = W - 1 - x``),
    ``'vertical'`` or ``'diagonal'`` (both)."""
    height, width = size
    flip_x = direction in ('horizontal', 'diagonal')
    flip_y = direction in ('vertical', 'diagonal')
    if not (flip_x or flip_y):
        raise ValueError(f'unknown flip direction {direction!r}')
    return np.array(
        [[-1 if flip_x else 1, 0, width - 1 if flip_x else 0],
         [0, -1 if flip_y else 1, height - 1 if flip_y else 0], [0, 0, 1]],
        np.float64)


# --------------------------------------------------------------- transfer
def transfer_points(grid: Tensor,
                    points: Tensor,
                    size: Sequence[int],
                    other_size: Sequence[int],
                    sampling: str = 'bilinear') -> Tensor:
    """Move points of image A into image B through A's matching grid.

    ``grid`` ``[Hf, Wf, 2]`` covers A: cell ``(i, j)`` holds where it lands
    in B, normalised with the ``align_corners=True`` meaning over B. It is
    read at each point as if upsampled to A's size with
    ``align_corners=True`` (cell ``j`` at pixel ``j (W - 1) / (Wf - 1)``):

    - ``'bilinear'``: interpolated at the exact position (clamped to the
      border);
    - ``'nearest'``: at the point rounded to the nearest pixel (half to
      even, as ``np.round``) and clamped into the image, as SFNet's
      official evaluation reads its upsampled grid.

    Args:
        grid (Tensor): ``[Hf, Wf, 2]``.
        points (Tensor): ``[K, 2]`` ``(x, y)`` pixels of A.
        size (tuple): ``(H, W)`` of A (the frame the grid covers).
        other_size (tuple): ``(H, W)`` of B.
        sampling (str): ``'bilinear'`` or ``'nearest'``.

    Returns:
        Tensor: ``[K, 2]`` float64 ``(x, y)`` pixels of B.
    """
    if sampling not in POINT_SAMPLINGS:
        raise ValueError(f'sampling must be one of {POINT_SAMPLINGS}, got '
                         f'{sampling!r}')
    if grid.dim() != 3 or grid.shape[-1] != 2:
        raise ValueError(f'grid must be [Hf, Wf, 2], got shape '
                         f'{tuple(grid.shape)}')
    height, width = (int(v) for v in size)
    points = points.to(torch.float64)
    table = grid.detach().to(torch.float64).permute(2, 0, 1)[None]
    if sampling == 'nearest':
        x = torch.round(points[:, 0]).clamp(0, width - 1)
        y = torch.round(points[:, 1]).clamp(0, height - 1)
        points = torch.stack((x, y), 1)
    query = normalize_coords(points, (height, width), True)
    values = F.grid_sample(
        table,
        query.view(1, 1, -1, 2),
        mode='bilinear',
        padding_mode='border',
        align_corners=True)
    landed = values[0, :, 0].t()
    return denormalize_coords(landed, other_size, True)
