# Copyright (c) mmcorr contributors. All rights reserved.
"""Keypoints of a real image pair with dense ground truth, and their PCK:
shared by the stereo-pair and homography-pair evaluation tools."""
import math
from typing import Dict, Sequence

import numpy as np


def lattice_keypoints(valid: np.ndarray, num: int) -> np.ndarray:
    """``num`` integer pixels on a regular lattice of the ``valid`` ones.

    The coarsest square lattice (offset by half a step) with at least
    ``num`` valid pixels, thinned evenly in raster order to exactly ``num``.

    Args:
        valid: ``(H, W)`` bool, where the ground truth is known.
        num: How many keypoints.

    Returns:
        ``(num, 2)`` float64 ``(x, y)`` pixels.
    """
    total = int(valid.sum())
    if total < num:
        raise ValueError(f'only {total} pixels have valid ground truth, '
                         f'{num} keypoints were asked for')
    step = max(1, int(math.sqrt(total / num)))
    while True:
        ys, xs = np.nonzero(valid[step // 2::step, step // 2::step])
        if len(ys) >= num or step == 1:
            break
        step -= 1
    ys, xs = ys * step + step // 2, xs * step + step // 2
    keep = np.round(np.linspace(0, len(ys) - 1, num)).astype(int)
    return np.stack([xs[keep], ys[keep]], 1).astype(np.float64)


def point_pck(pred: np.ndarray, gt: np.ndarray, alphas: Sequence[float],
              length: float) -> Dict[str, float]:
    """PCK@alpha (percent of ``(K, 2)`` points within ``alpha * length``
    pixels of the ground truth) and the mean / median error in pixels."""
    dist = np.linalg.norm(pred - gt, axis=1)
    out = {f'PCK@{a:g}': float(100 * np.mean(dist <= a * length))
           for a in alphas}
    out.update(mean_error_px=float(dist.mean()),
               median_error_px=float(np.median(dist)))
    return out


def apply_homography(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``(K, 2)`` pixels through a ``3 x 3`` homography."""
    ones = np.ones((len(points), 1))
    mapped = np.concatenate([points, ones], 1) @ np.asarray(matrix).T
    return mapped[:, :2] / mapped[:, 2:]
