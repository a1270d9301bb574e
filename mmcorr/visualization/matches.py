# Copyright (c) mmcorr contributors. All rights reserved.
"""Sparse matches as pictures: side-by-side images joined by lines."""
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np

__all__ = ['draw_matches', 'top_matches', 'match_colors']

#: cv2 drawing precision: coordinates are drawn with 4 fractional bits
_SHIFT = 4


def match_colors(num: int) -> np.ndarray:
    """``(num, 3)`` uint8 BGR colours spread over a hue wheel (cv2's HSV
    colour map), so neighbouring matches are told apart."""
    if num <= 0:
        return np.zeros((0, 3), np.uint8)
    ramp = np.linspace(0, 255, num, endpoint=False).astype(np.uint8)
    return cv2.applyColorMap(ramp[:, None], cv2.COLORMAP_HSV)[:, 0]


def _as_bgr(img: np.ndarray, name: str) -> np.ndarray:
    if not isinstance(img, np.ndarray) or img.dtype != np.uint8 or \
            img.ndim not in (2, 3) or (img.ndim == 3
                                       and img.shape[2] not in (1, 3)):
        raise ValueError(f'{name} must be an (H, W) or (H, W, 3) uint8 array, '
                         f'got {getattr(img, "shape", type(img))} '
                         f'{getattr(img, "dtype", "")}')
    if img.ndim == 2 or img.shape[2] == 1:
        return cv2.cvtColor(img.reshape(img.shape[:2]), cv2.COLOR_GRAY2BGR)
    return img


def _as_points(points) -> np.ndarray:
    points = np.asarray(points, np.float64)
    return points.reshape(0, 2) if points.size == 0 else points


def _colors(colors, num: int) -> np.ndarray:
    if colors is None:
        return match_colors(num)
    colors = np.asarray(colors)
    if colors.shape == (3, ):
        colors = np.broadcast_to(colors, (num, 3))
    if colors.shape != (num, 3):
        raise ValueError(f'colors must be one BGR triple or ({num}, 3), got '
                         f'shape {colors.shape}')
    return np.clip(colors, 0, 255).astype(np.uint8)


def draw_matches(src_img: np.ndarray,
                 tgt_img: np.ndarray,
                 src_pts,
                 tgt_pts,
                 colors: Optional[Union[Sequence[int], np.ndarray]] = None,
                 radius: int = 3,
                 thickness: int = 1) -> np.ndarray:
    """Source and target side by side, each match a line between its points.

    Args:
        src_img (np.ndarray): ``(Hs, Ws, 3)`` (or ``(Hs, Ws)``) uint8 BGR.
        tgt_img (np.ndarray): ``(Ht, Wt, 3)`` uint8 BGR.
        src_pts (array-like): ``(K, 2)`` ``(x, y)`` source pixels.
        tgt_pts (array-like): ``(K, 2)`` ``(x, y)`` target pixels (drawn
            shifted right by ``Ws``). Matches with a non-finite coordinate
            are skipped; positions outside an image are clipped by the
            drawing.
        colors (array-like, optional): One BGR triple for all, or ``(K, 3)``;
            default: a hue per match (:func:`match_colors`).
        radius (int): Radius of the end-point circles, pixels.
        thickness (int): Line thickness, pixels.

    Returns:
        np.ndarray: ``(max(Hs, Ht), Ws + Wt, 3)`` uint8 BGR; the empty area
        below the shorter image is black.
    """
    src_img, tgt_img = _as_bgr(src_img, 'src_img'), _as_bgr(tgt_img,
                                                            'tgt_img')
    src_pts, tgt_pts = _as_points(src_pts), _as_points(tgt_pts)
    if src_pts.ndim != 2 or src_pts.shape[1:] != (2, ) or \
            src_pts.shape != tgt_pts.shape:
        raise ValueError(f'src_pts {src_pts.shape} and tgt_pts '
                         f'{tgt_pts.shape} must both be (K, 2)')
    colors = _colors(colors, len(src_pts))
    (hs, ws), (ht, wt) = src_img.shape[:2], tgt_img.shape[:2]
    canvas = np.zeros((max(hs, ht), ws + wt, 3), np.uint8)
    canvas[:hs, :ws] = src_img
    canvas[:ht, ws:] = tgt_img
    scale = 1 << _SHIFT
    offset = np.array([ws, 0], np.float64)
    for a, b, color in zip(src_pts, tgt_pts, colors):
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            continue
        pa = tuple(int(v) for v in np.round(a * scale))
        pb = tuple(int(v) for v in np.round((b + offset) * scale))
        color = tuple(int(c) for c in color)
        cv2.line(canvas, pa, pb, color, thickness, cv2.LINE_AA, _SHIFT)
        for p in (pa, pb):
            cv2.circle(canvas, p, radius * scale, color, thickness,
                       cv2.LINE_AA, _SHIFT)
    return canvas


def top_matches(result,
                n: int,
                step: Optional[int] = None,
                mask: Optional[np.ndarray] = None
                ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``n`` most confident source -> target matches on a regular
    sampling of the source.

    Candidates are the source pixels ``(step // 2 + i * step,
    step // 2 + j * step)``; a candidate is kept when its match lies inside
    the target image and (with ``mask``) it is foreground. They are ranked
    by ``result.confidence_s2t()`` (the forward-backward error in source
    pixels, low = confident; ties keep raster order).

    Args:
        result (CorrespondenceResult): From
            :func:`mmcorr.apis.match_images`.
        n (int): Number of matches (fewer when fewer candidates remain).
        step (int, optional): Sampling stride in source pixels; default
            ``max(1, min(H, W) // 24)``.
        mask (np.ndarray, optional): ``(H_src, W_src)`` source mask;
            non-zero = may be sampled.

    Returns:
        tuple: ``src_pts`` ``(m, 2)``, ``tgt_pts`` ``(m, 2)`` (float64
        ``(x, y)`` pixels) and ``errors`` ``(m,)`` (source pixels),
        most confident first, ``m <= n``.
    """
    if int(n) != n or n < 1:
        raise ValueError(f'n must be an int >= 1, got {n}')
    height, width = result.src_shape
    if step is None:
        step = max(1, min(height, width) // 24)
    if int(step) != step or step < 1:
        raise ValueError(f'step must be an int >= 1, got {step}')
    step = int(step)
    ys, xs = np.mgrid[step // 2:height:step, step // 2:width:step]
    ys, xs = ys.ravel(), xs.ravel()
    targets = result.dense_s2t()[ys, xs]
    errors = result.confidence_s2t()[ys, xs]
    t_height, t_width = result.tgt_shape
    keep = ((targets[:, 0] >= 0) & (targets[:, 0] <= t_width - 1) &
            (targets[:, 1] >= 0) & (targets[:, 1] <= t_height - 1))
    if mask is not None:
        mask = np.asarray(mask)
        if mask.shape != (height, width):
            raise ValueError(f'mask must be the source size {(height, width)}'
                             f', got {mask.shape}')
        keep &= mask[ys, xs] != 0
    index = np.flatnonzero(keep)
    index = index[np.argsort(errors[index], kind='stable')[:int(n)]]
    sources = np.stack([xs[index], ys[index]], 1).astype(np.float64)
    return sources, targets[index], errors[index]
