# Copyright (c) mmcorr contributors. All rights reserved.
"""Soft argmax over correlations: SFNet's kernel soft argmax, MAST's window one.

:func:`kernel_soft_argmax` turns a global correlation into a matching grid in
B's normalised coordinates (``linspace(-1, 1)``, i.e. ``align_corners=True``)
and a flow. :func:`window_soft_argmax` turns a local correlation into a
sub-pixel offset in pixels, the units :func:`mmcorr.ops.sample_patches`
takes.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor

from ._checks import (check_finite, check_int, check_odd, check_real,
                      check_size, check_tensor)
from .coordinates import base_grid

__all__ = [
    'identity_grid', 'soft_argmax_grid', 'kernel_soft_argmax',
    'window_soft_argmax'
]


def identity_grid(height: int, width: int, like: Tensor) -> Tensor:
    """``[1, H, W, 2]`` grid of ``linspace(-1, 1)`` coordinates, x first:
    :func:`mmcorr.ops.coordinates.base_grid` with ``align_corners=True``.

    ``height`` and ``width`` are integers ``>= 1``; ``like`` is a
    floating-point tensor giving the dtype and device.
    """
    return base_grid(height, width, like, align_corners=True)


def _gaussian_around_argmax(corr: Tensor, size_b: Tuple[int, int],
                            sigma: float) -> Tensor:
    """``exp(-|p - argmax|^2 / (2 sigma^2))`` over B positions, in B cells."""
    height, width = size_b
    index = corr.argmax(dim=1, keepdim=True)  # [B, 1, *S]
    arg_y = torch.div(index, width, rounding_mode='floor').to(corr.dtype)
    arg_x = (index % width).to(corr.dtype)
    shape = (1, height * width) + (1, ) * (corr.dim() - 2)
    kwargs = dict(dtype=corr.dtype, device=corr.device)
    ys = torch.arange(height, **kwargs).repeat_interleave(width).view(shape)
    xs = torch.arange(width, **kwargs).repeat(height).view(shape)
    dist2 = (xs - arg_x).pow(2) + (ys - arg_y).pow(2)
    return torch.exp(-dist2 / (2 * sigma**2))


def soft_argmax_grid(corr: Tensor,
                     size_b: Tuple[int, int],
                     beta: Optional[float] = 50.0,
                     sigma: Optional[float] = 5.0) -> Tensor:
    """Expected matching position in B for every A position of ``corr``.

    Steps (SFNet's ``find_correspondence``): hard argmax over B positions; a
    Gaussian of width ``sigma`` (in B cells) centred there multiplies the
    scores (no gradient through the argmax); softmax with temperature
    ``beta``; the marginals over B's rows and columns are averaged against
    ``linspace(-1, 1)``.

    Args:
        corr (Tensor): ``[B, Hb*Wb, *S]``, floating point (an integer
            correlation would give an integer ``linspace``); ``*S`` are A
            positions (``Ha, Wa`` or a flat chunk ``N``).
        size_b (tuple): ``(Hb, Wb)``, integers ``>= 1``.
        beta (float, optional): Softmax temperature, ``> 0``; ``None`` gives
            the hard argmax position instead.
        sigma (float, optional): Kernel width in B cells, ``> 0``; ``None``
            skips the kernel (a plain soft argmax).

    Returns:
        Tensor: ``[B, *S, 2]``, x then y, in ``[-1, 1]`` (align_corners=True).
    """
    check_tensor(corr, 'corr', '[B, Hb*Wb, ...]')
    height, width = check_size(size_b, 'size_b')
    if corr.dim() < 3 or corr.shape[1] != height * width:
        raise ValueError(f'corr must be [B, Hb*Wb, ...] with Hb*Wb = '
                         f'{height * width}, got shape {tuple(corr.shape)}')
    _check_temperatures(beta, sigma)
    check_finite(corr, 'corr')
    kwargs = dict(dtype=corr.dtype, device=corr.device)
    lin_x = torch.linspace(-1, 1, width, **kwargs)
    lin_y = torch.linspace(-1, 1, height, **kwargs)
    if beta is None:
        index = corr.argmax(dim=1)
        grid_y = lin_y[torch.div(index, width, rounding_mode='floor')]
        return torch.stack((lin_x[index % width], grid_y), dim=-1)
    if sigma is not None:
        with torch.no_grad():
            kernel = _gaussian_around_argmax(corr, (height, width), sigma)
        corr = corr * kernel
    prob = torch.softmax(beta * corr, dim=1)
    prob = prob.view((prob.shape[0], height, width) + prob.shape[2:])
    shape = (1, width) + (1, ) * (prob.dim() - 3)
    grid_x = (prob.sum(1) * lin_x.view(shape)).sum(1)
    shape = (1, height) + (1, ) * (prob.dim() - 3)
    grid_y = (prob.sum(2) * lin_y.view(shape)).sum(1)
    return torch.stack((grid_x, grid_y), dim=-1)


def _check_temperatures(beta: Optional[float], sigma: Optional[float]) -> None:
    """``beta`` and ``sigma``: ``None`` or finite and positive."""
    if beta is not None:
        check_real(beta, 'beta')
    if sigma is not None:
        check_real(sigma, 'sigma (the kernel width in B cells)')


def kernel_soft_argmax(corr: Tensor,
                       size_b: Tuple[int, int],
                       beta: Optional[float] = 50.0,
                       sigma: Optional[float] = 5.0) -> Tuple[Tensor, Tensor]:
    """SFNet's kernel soft argmax: matching grid and flow from A to B.

    For the other direction pass ``transpose_correlation(corr, size_b)`` with
    A's size.

    Args:
        corr (Tensor): ``[B, Hb*Wb, Ha, Wa]`` from ``global_correlation``,
            floating point.
        size_b (tuple): ``(Hb, Wb)``, integers ``>= 1``.
        beta (float, optional): See :func:`soft_argmax_grid`.
        sigma (float, optional): See :func:`soft_argmax_grid`.

    Returns:
        tuple: ``grid`` ``[B, Ha, Wa, 2]`` (where each A position lands in B,
        normalised, x first) and ``flow`` ``[B, 2, Ha, Wa]`` = ``grid`` minus
        the identity grid, in the same normalised units.
    """
    check_tensor(corr, 'corr', '[B, Hb*Wb, Ha, Wa]', 4)
    grid = soft_argmax_grid(corr, size_b, beta, sigma)
    flow = grid - identity_grid(corr.shape[2], corr.shape[3], grid)
    return grid, flow.permute(0, 3, 1, 2)


def window_soft_argmax(corr: Tensor,
                       dilation_patch: int = 1,
                       beta: float = 1.0) -> Tensor:
    """Expected offset over each position's local correlation window.

    MAST's coarse ROI step: softmax over the ``P*P`` window scores, then the
    expected ``(j - R, i - R)`` times the window dilation.

    Args:
        corr (Tensor): ``[B, P, P, H, W]`` from ``local_correlation``,
            floating point.
        dilation_patch (int): The window dilation used for ``corr``, in
            pixels, an integer ``>= 1``.
        beta (float): Softmax temperature, finite and positive.

    Returns:
        Tensor: ``[B, 2, H, W]`` offsets (x, y) in pixels.
    """
    check_tensor(corr, 'corr', '[B, P, P, H, W]', 5)
    if corr.shape[1] != corr.shape[2]:
        raise ValueError('corr must be [B, P, P, H, W], got shape '
                         f'{tuple(corr.shape)}')
    check_odd(corr.shape[1], 'window size P')
    check_int(dilation_patch, 'dilation_patch', 1)
    check_real(beta, 'beta')
    check_finite(corr, 'corr')
    batch, patch, _, height, width = corr.shape
    radius = (patch - 1) // 2
    prob = torch.softmax(
        beta * corr.reshape(batch, patch * patch, height, width), dim=1)
    prob = prob.view(batch, patch, patch, height, width)
    steps = torch.arange(
        -radius, radius + 1, dtype=corr.dtype,
        device=corr.device).view(1, patch, 1, 1)
    offset_x = (prob.sum(1) * steps).sum(1)
    offset_y = (prob.sum(2) * steps).sum(1)
    return torch.stack((offset_x, offset_y), dim=1) * dilation_patch
