# Copyright (c) mmcorr contributors. All rights reserved.
"""Dense matches of one image pair, in the pixels of the original images."""
from dataclasses import dataclass, field
from typing import Optional, Tuple

import numpy as np
import torch

from mmcorr.ops import grid_warp
from mmcorr.ops.coordinates import (apply_homography, normalize_coords,
                                    transfer_points)

IMAGES = ('source', 'target')


def _as_points(points, name: str = 'points') -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    if points.ndim == 1 and points.shape == (2, ):
        points = points[None]
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f'{name} must be (K, 2) (x, y) pixels, got shape '
                         f'{points.shape}')
    if not np.isfinite(points).all():
        raise ValueError(f'{name} must be finite')
    return points


def check_image_name(name: str, argument: str) -> str:
    """``name`` if it is ``'source'`` or ``'target'``, else a clear error."""
    if name not in IMAGES:
        raise ValueError(f'{argument} must be one of {IMAGES}, got {name!r}')
    return name


@dataclass(eq=False)
class CorrespondenceResult:
    """Dense matches of one (source, target) pair and their geometry.

    Attributes:
        grid_s2t (Tensor): ``[Hf, Wf, 2]`` model grid over the SOURCE
            feature map: where each source cell lands in the target, x then
            y, ``[-1, 1]`` over the target's network input
            (``align_corners=True`` meaning).
        grid_t2s (Tensor): ``[Hf, Wf, 2]``, the same from target to source.
        src_shape (tuple): ``(H, W)`` of the original source image.
        tgt_shape (tuple): ``(H, W)`` of the original target image.
        input_shape (tuple): ``(H_in, W_in)`` of the network input (both
            images, after the data preprocessor's padding).
        src_homography (np.ndarray): ``3 x 3`` float64, original source
            pixel -> network-input pixel, as the test pipeline recorded it.
        tgt_homography (np.ndarray): The same for the target.

    Pixels are ``(x, y)`` with ``(0, 0)`` the centre of the top-left pixel
    (:mod:`mmcorr.ops.coordinates`). A position outside the network input
    reads the grid's border value.
    """
    grid_s2t: torch.Tensor
    grid_t2s: torch.Tensor
    src_shape: Tuple[int, int]
    tgt_shape: Tuple[int, int]
    input_shape: Tuple[int, int]
    src_homography: np.ndarray
    tgt_homography: np.ndarray
    _cache: dict = field(default_factory=dict, init=False, repr=False,
                         compare=False)

    def __post_init__(self):
        for name in ('grid_s2t', 'grid_t2s'):
            grid = getattr(self, name)
            if not isinstance(grid, torch.Tensor) or grid.dim() != 3 or \
                    grid.shape[-1] != 2 or min(grid.shape[:2]) < 1:
                raise ValueError(f'{name} must be a [Hf, Wf, 2] tensor, got '
                                 f'{getattr(grid, "shape", type(grid))}')
        for name in ('src_shape', 'tgt_shape', 'input_shape'):
            shape = tuple(int(v) for v in getattr(self, name))
            if len(shape) != 2 or min(shape) < 2:
                raise ValueError(f'{name} must be (H, W) with sides >= 2, '
                                 f'got {getattr(self, name)}')
            setattr(self, name, shape)
        for name in ('src_homography', 'tgt_homography'):
            matrix = np.asarray(getattr(self, name), np.float64)
            if matrix.shape != (3, 3) or not np.isfinite(matrix).all() or \
                    abs(np.linalg.det(matrix)) < 1e-12:
                raise ValueError(f'{name} must be a finite, invertible 3 x 3 '
                                 f'matrix, got {getattr(self, name)}')
            setattr(self, name, matrix)

    # ------------------------------------------------------------ mapping
    def _map(self, points: np.ndarray, from_image: str) -> np.ndarray:
        """``(K, 2)`` original pixels of one image -> the other's."""
        if from_image == 'source':
            grid, h_from, h_to = (self.grid_s2t, self.src_homography,
                                  self.tgt_homography)
        else:
            grid, h_from, h_to = (self.grid_t2s, self.tgt_homography,
                                  self.src_homography)
        inputs = apply_homography(h_from, points)
        landed = transfer_points(grid.detach().cpu(),
                                 torch.from_numpy(inputs), self.input_shape,
                                 self.input_shape, 'bilinear').numpy()
        return apply_homography(np.linalg.inv(h_to), landed)

    def transfer_points(self, points_xy, from_image: str = 'source',
                        outside: str = 'error') -> np.ndarray:
        """Move points from one original image to the other.

        Args:
            points_xy (array-like): ``(K, 2)`` (or ``(2,)``) ``(x, y)``
                float pixels of ``from_image``; sub-pixel positions are
                interpolated, not rounded.
            from_image (str): ``'source'`` (read with ``grid_s2t``; the
                result is in the target) or ``'target'``.
            outside (str): Points beyond ``from_image`` (x outside
                ``[-0.5, W - 0.5]`` or y outside ``[-0.5, H - 0.5]``, the
                pixel-centre convention): ``'error'`` (default) raises a
                ValueError naming them; ``'clamp'`` moves them onto the
                nearest border pixel first.

        Returns:
            np.ndarray: ``(K, 2)`` float64 ``(x, y)`` pixels of the other
            image (may fall outside it, e.g. into a padded margin).
        """
        check_image_name(from_image, 'from_image')
        if outside not in ('error', 'clamp'):
            raise ValueError("outside must be 'error' or 'clamp', got "
                             f'{outside!r}')
        points = _as_points(points_xy, 'points_xy')
        height, width = self.src_shape if from_image == 'source' else \
            self.tgt_shape
        beyond = ((points[:, 0] < -0.5) | (points[:, 0] > width - 0.5) |
                  (points[:, 1] < -0.5) | (points[:, 1] > height - 0.5) |
                  ~np.isfinite(points).all(1))
        if beyond.any() and outside == 'error':
            index = int(np.flatnonzero(beyond)[0])
            raise ValueError(
                f'{int(beyond.sum())} point(s) lie outside the {from_image} '
                f'image ({width} x {height} pixels), e.g. points_xy[{index}]'
                f' = {tuple(float(v) for v in points[index])}; pass '
                "outside='clamp' to move them onto its border")
        if beyond.any():
            points = np.stack([np.clip(points[:, 0], 0, width - 1),
                               np.clip(points[:, 1], 0, height - 1)], 1)
        return self._map(points, from_image)

    def _dense(self, from_image: str) -> np.ndarray:
        key = f'dense_{from_image}'
        if key not in self._cache:
            height, width = self.src_shape if from_image == 'source' else \
                self.tgt_shape
            ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
            points = np.stack([xs.ravel(), ys.ravel()], 1)
            self._cache[key] = self._map(points, from_image).reshape(
                height, width, 2)
        return self._cache[key]

    def dense_s2t(self) -> np.ndarray:
        """``(H_src, W_src, 2)`` float64: for every source pixel, the
        ``(x, y)`` target pixel it matches."""
        return self._dense('source')

    def dense_t2s(self) -> np.ndarray:
        """``(H_tgt, W_tgt, 2)`` float64: for every target pixel, the
        ``(x, y)`` source pixel it matches."""
        return self._dense('target')

    def _cycle_error(self, from_image: str) -> np.ndarray:
        key = f'cycle_{from_image}'
        if key not in self._cache:
            forward = self._dense(from_image)
            other = 'target' if from_image == 'source' else 'source'
            back = self._map(forward.reshape(-1, 2), other)
            height, width = forward.shape[:2]
            ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
            start = np.stack([xs.ravel(), ys.ravel()], 1)
            self._cache[key] = np.linalg.norm(back - start, axis=1).reshape(
                height, width)
        return self._cache[key]

    def confidence_s2t(self) -> np.ndarray:
        """Forward-backward consistency error of every source pixel.

        A source pixel ``p`` goes to the target (:meth:`dense_s2t`) and back
        with ``grid_t2s`` (interpolated at that sub-pixel target position);
        the result is ``|back(forward(p)) - p|`` in SOURCE pixels. LOW =
        confident (0: a perfect cycle).

        Returns:
            np.ndarray: ``(H_src, W_src)`` float64, >= 0.
        """
        return self._cycle_error('source')

    def confidence_t2s(self) -> np.ndarray:
        """:meth:`confidence_s2t` for target pixels: ``(H_tgt, W_tgt)``
        float64 cycle error in TARGET pixels, low = confident."""
        return self._cycle_error('target')


def warp_image(result: CorrespondenceResult,
               image_or_mask: np.ndarray,
               image_of: str = 'target',
               mode: Optional[str] = None,
               padding_mode: str = 'zeros') -> np.ndarray:
    """Bring an image of one view into the other view's frame.

    - ``image_of='target'`` (default): ``image_or_mask`` belongs to the
      target (its size); the output is in the SOURCE frame: source pixel
      ``p`` reads the target at ``result.dense_s2t()[p]``.
    - ``image_of='source'``: the source (or a source mask) is brought into
      the TARGET frame, reading it at ``result.dense_t2s()[q]``.

    Sampling is :func:`mmcorr.ops.grid_warp` with ``align_corners=True`` on
    the pixel coordinates, so an identity mapping returns the image.

    Args:
        result (CorrespondenceResult): From :func:`match_images`.
        image_or_mask (np.ndarray): ``(H, W)`` or ``(H, W, C)``, the size
            of the ``image_of`` image.
        image_of (str): ``'target'`` or ``'source'``: which image the array
            is of.
        mode (str, optional): ``'bilinear'`` or ``'nearest'``. ``None``:
            ``'nearest'`` for 2-D bool / integer arrays (masks, label maps),
            ``'bilinear'`` otherwise.
        padding_mode (str): Value outside the read image: ``'zeros'``,
            ``'border'`` or ``'reflection'``.

    Returns:
        np.ndarray: ``(H', W'[, C])`` of the other image, in the input's
        dtype (integers rounded and clipped, bool thresholded at 0.5).
    """
    check_image_name(image_of, 'image_of')
    array = image_or_mask
    if not isinstance(array, np.ndarray):
        raise TypeError('image_or_mask must be a numpy array, got '
                        f'{type(array).__name__}')
    read_shape = result.tgt_shape if image_of == 'target' else \
        result.src_shape
    if array.ndim not in (2, 3) or tuple(array.shape[:2]) != read_shape:
        raise ValueError(f'image_of={image_of!r}: image_or_mask must be '
                         f'{read_shape} or {read_shape} + (C,) (the '
                         f'{image_of} image), got {array.shape}')
    if mode is None:
        discrete = array.dtype == bool or np.issubdtype(array.dtype,
                                                        np.integer)
        mode = 'nearest' if array.ndim == 2 and discrete else 'bilinear'
    coords = result.dense_s2t() if image_of == 'target' else \
        result.dense_t2s()
    grid = torch.from_numpy(normalize_coords(coords, read_shape))[None]
    planes = array[..., None] if array.ndim == 2 else array
    feat = torch.from_numpy(
        np.ascontiguousarray(planes.transpose(2, 0, 1), np.float64))[None]
    out = grid_warp(feat, grid, align_corners=True,
                    padding_mode=padding_mode, mode=mode)[0]
    out = out.permute(1, 2, 0).numpy()
    if array.ndim == 2:
        out = out[..., 0]
    if array.dtype == bool:
        return out >= 0.5
    if np.issubdtype(array.dtype, np.integer):
        info = np.iinfo(array.dtype)
        return np.clip(np.round(out), info.min, info.max).astype(array.dtype)
    return out.astype(array.dtype)
