# Copyright (c) mmcorr contributors. All rights reserved.
"""A first-frame object mask from a box or from clicks, for videos that
come without one: OpenCV's GrabCut, seeded and deterministic (a
documented procedure, not a learned model)."""
from typing import Sequence

import cv2
import numpy as np


def _largest_component(mask: np.ndarray, seeds=None) -> np.ndarray:
    """The connected component of ``mask`` holding the most seed points
    (the largest when no seed is on the mask), as ``(H, W)`` uint8 0/1."""
    count, components = cv2.connectedComponents(mask.astype(np.uint8))
    if count <= 1:
        raise ValueError('GrabCut found no object at the prompt')
    sizes = np.bincount(components.ravel(), minlength=count)[1:]
    best = 1 + int(np.argmax(sizes))
    if seeds is not None:
        hits = [components[y, x] for x, y in seeds if components[y, x] > 0]
        if hits:
            best = int(np.bincount(hits).argmax())
    return (components == best).astype(np.uint8)


def _grabcut(image: np.ndarray, labels: np.ndarray, rect, mode: int,
             iters: int) -> np.ndarray:
    background = np.zeros((1, 65), np.float64)
    foreground = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    cv2.grabCut(image, labels, rect, background, foreground, iters, mode)
    return np.isin(labels, (cv2.GC_FGD, cv2.GC_PR_FGD))


def _check_image(image: np.ndarray) -> None:
    if not isinstance(image, np.ndarray) or image.ndim != 3 or \
            image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError('the image must be (H, W, 3) uint8 BGR, got '
                         f'{getattr(image, "shape", type(image))}')


def mask_from_box(image: np.ndarray, box: Sequence[float],
                  iters: int = 5) -> np.ndarray:
    """The object GrabCut finds inside ``box`` ``(x, y, w, h)`` pixels:
    ``(H, W)`` uint8, 1 on its largest connected component.

    Raises:
        ValueError: a box outside the image or under 2 pixels a side, or
            no object found.
    """
    _check_image(image)
    x, y, w, h = (int(round(v)) for v in box)
    height, width = image.shape[:2]
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + w), min(height, y + h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise ValueError(f'the box {tuple(box)} (x, y, w, h) does not cover '
                         f'2 x 2 pixels of the {width}x{height} image')
    labels = np.zeros((height, width), np.uint8)
    found = _grabcut(image, labels, (x0, y0, x1 - x0, y1 - y0),
                     cv2.GC_INIT_WITH_RECT, iters)
    return _largest_component(found)


def mask_from_points(image: np.ndarray, points: Sequence[Sequence[float]],
                     radius: int = 0, iters: int = 5) -> np.ndarray:
    """The object under clicked points: GrabCut with a disk of ``radius``
    pixels (default 2 % of the shorter side, at least 2) around each
    ``(x, y)`` click as sure foreground, the image border as sure
    background, the rest probable background; the connected component
    holding the clicks, ``(H, W)`` uint8 0/1.

    Raises:
        ValueError: no click, a click outside the image, or no object.
    """
    _check_image(image)
    points = np.asarray(points, np.float64).reshape(-1, 2)
    height, width = image.shape[:2]
    if not len(points):
        raise ValueError('mask_from_points needs at least one click')
    outside = (points[:, 0] < 0) | (points[:, 0] > width - 1) | \
        (points[:, 1] < 0) | (points[:, 1] > height - 1)
    if outside.any():
        raise ValueError(f'clicks {points[outside].tolist()} lie outside the '
                         f'{width}x{height} image')
    radius = radius or max(2, round(0.02 * min(height, width)))
    labels = np.full((height, width), cv2.GC_PR_BGD, np.uint8)
    seeds = [(int(round(x)), int(round(y))) for x, y in points]
    spread = max(radius * 8, min(height, width) // 4)
    for centre in seeds:
        cv2.circle(labels, centre, spread, cv2.GC_PR_FGD, -1)
    labels[[0, -1], :] = cv2.GC_BGD
    labels[:, [0, -1]] = cv2.GC_BGD
    for centre in seeds:
        cv2.circle(labels, centre, radius, cv2.GC_FGD, -1)
    found = _grabcut(image, labels, None, cv2.GC_INIT_WITH_MASK, iters)
    return _largest_component(found, seeds)
