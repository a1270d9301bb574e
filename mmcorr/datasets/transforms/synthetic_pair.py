# Copyright (c) mmcorr contributors. All rights reserved.
"""Training pairs synthesised from one image and its foreground mask.

SFNet (CVPR 2019) trains on pairs made from a single image: optionally
flipped, resized, colour-jittered twice, and warped by two random affine
transforms; the masks are made consistent so that pixels cut off by either
warp are background in both. The known transforms also give exact
ground-truth correspondences, used by the embedded benchmark.
"""
from typing import Optional, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmcv.transforms import BaseTransform

from mmcorr.ops import grid_warp
from mmcorr.ops.coordinates import (denormalize_coords, flip_homography,
                                    normalize_coords, resize_homography)
from mmcorr.registry import TRANSFORMS


def random_affine(rng: np.random.Generator, sigma: float) -> np.ndarray:
    """``I + N(0, sigma^2)`` on the six entries of a ``2 x 3`` affine matrix.

    The matrix acts on ``affine_grid``'s normalised coordinates: output
    position ``q`` reads the input at ``A @ [q, 1]``.
    """
    return np.eye(3)[:2] + rng.normal(0.0, sigma, size=(2, 3))


def invert_affine(affine: np.ndarray) -> np.ndarray:
    """Inverse of a ``2 x 3`` affine matrix (as ``2 x 3``)."""
    full = np.vstack([affine, [0.0, 0.0, 1.0]])
    return np.linalg.inv(full)[:2]


def warp_affine(image: np.ndarray, affine: np.ndarray,
                align_corners: bool = True) -> np.ndarray:
    """Warp ``(H, W[, C])`` by ``affine`` (``affine_grid`` semantics),
    bilinear, zeros outside; returns float32 of the same shape."""
    tensor = torch.from_numpy(np.ascontiguousarray(image, np.float32))
    if tensor.dim() == 2:
        tensor = tensor[..., None]
    tensor = tensor.permute(2, 0, 1)[None]
    theta = torch.as_tensor(affine, dtype=torch.float32)[None]
    grid = F.affine_grid(theta, list(tensor.shape), align_corners=align_corners)
    out = grid_warp(tensor, grid, align_corners=align_corners)[0]
    out = out.permute(1, 2, 0).numpy()
    return out[..., 0] if image.ndim == 2 else out


def color_jitter(image: np.ndarray, rng: np.random.Generator,
                 strength: float) -> np.ndarray:
    """Brightness, contrast, saturation factors in ``1 +- strength`` and a
    hue shift of ``+- strength`` of the colour circle (torchvision's
    ``ColorJitter(b, c, s, h)`` ranges), on a BGR uint8 image."""
    if strength <= 0:
        return image
    img = image.astype(np.float32)
    img *= rng.uniform(1 - strength, 1 + strength)
    gray = cv2.cvtColor(np.clip(img, 0, 255).astype(np.uint8),
                        cv2.COLOR_BGR2GRAY).astype(np.float32)
    contrast = rng.uniform(1 - strength, 1 + strength)
    img = gray.mean() + contrast * (img - gray.mean())
    saturation = rng.uniform(1 - strength, 1 + strength)
    img = gray[..., None] + saturation * (img - gray[..., None])
    hsv = cv2.cvtColor(np.clip(img, 0, 255).astype(np.uint8),
                       cv2.COLOR_BGR2HSV)
    shift = int(round(rng.uniform(-strength, strength) * 180))
    hsv[..., 0] = (hsv[..., 0].astype(np.int32) + shift) % 180
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)


@TRANSFORMS.register_module()
class RandomAffinePair(BaseTransform):
    """Make a (source, target) training pair from one image and its mask.

    Required keys: ``img`` (``(H, W, 3)`` uint8 BGR), ``gt_fg_mask``
    (``(H, W)``, nonzero = foreground). Added: ``views``, the source and
    the target, each with ``img`` (uint8, ``scale``), ``gt_fg_mask`` (float
    in [0, 1], soft at warped edges; the model binarises it at feature
    size), ``affine`` (the ``2 x 3`` matrix, normalised coordinates),
    ``img_shape``, ``ori_shape`` (the image's) and ``homography_matrix``
    (the image's pixels -> the view's: flip, resize, warp); ``img`` and
    ``gt_fg_mask`` are removed from the top level.

    A point ``p`` (normalised, in the resized image) appears at
    ``inv(src_affine) p`` in the source and ``inv(tgt_affine) p`` in the
    target: :meth:`correspondences` maps source points to the target.

    Args:
        scale (tuple): Output ``(W, H)`` (SFNet: 320 x 320).
        sigma (float): Std of the affine perturbation (0.15).
        flip_prob (float): Probability of flipping the pair horizontally.
        jitter (float): Colour jitter strength (0.1), drawn per image.
        align_corners (bool): Of ``affine_grid`` and the sampling. The
            official code leaves both out (``False`` since torch 1.3).
        seed (int, optional): A fixed seed per sample index (for
            reproducible held-out pairs); ``None`` draws from numpy's
            global generator.
    """

    def __init__(self, scale: Tuple[int, int] = (320, 320),
                 sigma: float = 0.15, flip_prob: float = 0.5,
                 jitter: float = 0.1, align_corners: bool = True,
                 seed: Optional[int] = None):
        self.scale = tuple(scale)
        self.sigma, self.flip_prob, self.jitter = sigma, flip_prob, jitter
        self.align_corners = align_corners
        self.seed = seed

    def _rng(self, results: dict) -> np.random.Generator:
        if self.seed is None:
            return np.random.default_rng(np.random.randint(2**31))
        return np.random.default_rng((self.seed, results.get('sample_idx',
                                                              0)))

    def transform(self, results: dict) -> dict:
        if 'img' not in results or 'gt_fg_mask' not in results:
            raise KeyError('RandomAffinePair needs "img" and "gt_fg_mask"; '
                           'load them first (e.g. LoadImageFromFile and '
                           'LoadForegroundMask)')
        rng = self._rng(results)
        image = results.pop('img')
        mask = (np.asarray(results.pop('gt_fg_mask')) > 0).astype(np.float32)
        ori_shape = image.shape[:2]
        to_scaled = resize_homography(ori_shape, self.scale[::-1])
        if rng.uniform() < self.flip_prob:
            image, mask = image[:, ::-1], mask[:, ::-1]
            to_scaled = to_scaled @ flip_homography(ori_shape, 'horizontal')
        image = cv2.resize(np.ascontiguousarray(image), self.scale,
                           interpolation=cv2.INTER_LINEAR)
        mask = cv2.resize(np.ascontiguousarray(mask), self.scale,
                          interpolation=cv2.INTER_LINEAR)
        affines = [random_affine(rng, self.sigma) for _ in range(2)]
        images = [np.clip(warp_affine(color_jitter(image, rng, self.jitter),
                                      affine, self.align_corners), 0,
                          255).round().astype(np.uint8)
                  for affine in affines]
        # a pixel is foreground in both only if neither warp cut it off
        tgt_mask = warp_affine(mask, affines[1], self.align_corners)
        common = warp_affine(tgt_mask, invert_affine(affines[1]),
                             self.align_corners)
        src_mask = warp_affine(common, affines[0], self.align_corners)
        size = (self.scale[1], self.scale[0])
        results['views'] = [
            dict(img=img, gt_fg_mask=fg, affine=affine, img_shape=size,
                 ori_shape=ori_shape, homography_shape=size,
                 homography_matrix=self.affine_homography(
                     affine, size, self.align_corners) @ to_scaled)
            for img, fg, affine in zip(images, (src_mask, tgt_mask), affines)
        ]
        return results

    @staticmethod
    def affine_homography(affine: np.ndarray, size: Tuple[int, int],
                          align_corners: bool = True) -> np.ndarray:
        """The pixel mapping ``3 x 3`` of warping an ``(H, W)`` image by
        ``affine`` (input pixel -> output pixel: ``N^-1 inv(A) N`` with ``N``
        pixels -> normalised coordinates)."""
        origin = normalize_coords(np.zeros(2), size, align_corners)
        step = normalize_coords(np.ones(2), size, align_corners) - origin
        to_normalised = np.array([[step[0], 0, origin[0]],
                                  [0, step[1], origin[1]], [0, 0, 1]])
        full = np.vstack([affine, [0.0, 0.0, 1.0]])
        return np.linalg.inv(to_normalised) @ np.linalg.inv(full) @ \
            to_normalised

    @staticmethod
    def correspondences(points: np.ndarray, src_affine: np.ndarray,
                        tgt_affine: np.ndarray, size: Tuple[int, int],
                        align_corners: bool = True) -> np.ndarray:
        """Map source pixels ``(K, 2)`` (x, y) to target pixels.

        ``q_tgt = inv(tgt_affine) @ src_affine @ q_src`` in normalised
        coordinates; ``size`` is ``(H, W)`` of both images.
        """
        q = normalize_coords(np.asarray(points, np.float64), size,
                             align_corners)
        full = np.vstack([src_affine, [0, 0, 1]])
        to_tgt = np.vstack([invert_affine(tgt_affine), [0, 0, 1]]) @ full
        q = (to_tgt[:2, :2] @ q.T).T + to_tgt[:2, 2]
        return denormalize_coords(q, size, align_corners)
