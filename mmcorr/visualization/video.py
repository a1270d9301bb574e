# Copyright (c) mmcorr contributors. All rights reserved.
"""Pictures of propagated video masks: overlays, strips, GIFs."""
from typing import List, Sequence

import cv2
import numpy as np

from mmcorr.fileio import davis_palette

__all__ = ['overlay_ids', 'overlay_strip', 'save_gif']


def _palette() -> np.ndarray:
    """The DAVIS palette as ``(256, 3)`` uint8 RGB."""
    return np.array(davis_palette(), np.uint8).reshape(256, 3)


def overlay_ids(frame: np.ndarray, ids: np.ndarray,
                alpha: float = 0.5) -> np.ndarray:
    """Colour each object of ``ids`` over ``frame`` with its DAVIS colour.

    Args:
        frame: ``(H, W, 3)`` uint8 BGR.
        ids: ``(H, W)`` integer object ids (0 background, left untouched).
        alpha: Opacity of the colours.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 BGR, object borders drawn white.
    """
    if frame.ndim != 3 or frame.shape[2] != 3 or ids.shape != frame.shape[:2]:
        raise ValueError(f'frame must be (H, W, 3) and ids (H, W) of its '
                         f'size, got {frame.shape} and {ids.shape}')
    colours = _palette()[np.clip(ids, 0, 255)][..., ::-1]
    out = frame.astype(np.float32)
    objects = ids > 0
    out[objects] = (1 - alpha) * out[objects] + alpha * colours[objects]
    out = out.astype(np.uint8)
    edges = cv2.morphologyEx(ids.astype(np.uint8), cv2.MORPH_GRADIENT,
                             np.ones((3, 3), np.uint8)) > 0
    out[edges] = 255
    return out


def overlay_strip(frames: Sequence[np.ndarray], ids: Sequence[np.ndarray],
                  every: int = 1, columns: int = 6,
                  alpha: float = 0.5) -> np.ndarray:
    """Every ``every``-th frame's overlay, ``columns`` a row, frame
    indices written in the corner; ``(rows * H, columns * W, 3)`` BGR."""
    if len(frames) != len(ids) or not frames:
        raise ValueError(f'{len(frames)} frames for {len(ids)} masks')
    tiles = []
    for t in range(0, len(frames), every):
        tile = overlay_ids(frames[t], ids[t], alpha)
        cv2.putText(tile, str(t), (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (255, 255, 255), 1, cv2.LINE_AA)
        tiles.append(tile)
    blank = np.zeros_like(tiles[0])
    tiles += [blank] * (-len(tiles) % columns)
    rows = [np.hstack(tiles[i:i + columns])
            for i in range(0, len(tiles), columns)]
    return np.vstack(rows)


def save_gif(images: List[np.ndarray], path: str, fps: float = 8) -> None:
    """Write BGR uint8 images as an animated GIF (looping)."""
    from PIL import Image
    if not images:
        raise ValueError('save_gif needs at least one image')
    pictures = [Image.fromarray(np.ascontiguousarray(i[..., ::-1]))
                for i in images]
    pictures[0].save(path, save_all=True, append_images=pictures[1:],
                     duration=int(1000 / fps), loop=0)
