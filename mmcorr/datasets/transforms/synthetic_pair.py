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
from mmcorr.registry import TRANSFORMS
from ..load_errors import check_label_size


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
    (``(H, W)``, nonzero = foreground). Added keys: ``src_img``,
    ``tgt_img`` (uint8, ``scale``), ``src_mask``, ``tgt_mask`` (float in
    [0, 1], soft at warped edges; the model binarises them at feature size),
    ``src_affine``, ``tgt_affine`` (the ``2 x 3`` matrices, normalised
    coordinates), ``img_shape``.

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
        image = results['img']
        mask = (np.asarray(results['gt_fg_mask']) > 0).astype(np.float32)
        if rng.uniform() < self.flip_prob:
            image, mask = image[:, ::-1], mask[:, ::-1]
        image = cv2.resize(np.ascontiguousarray(image), self.scale,
                           interpolation=cv2.INTER_LINEAR)
        mask = cv2.resize(np.ascontiguousarray(mask), self.scale,
                          interpolation=cv2.INTER_LINEAR)
        src_affine = random_affine(rng, self.sigma)
        tgt_affine = random_affine(rng, self.sigma)
        warped = {}
        for side, affine in (('src', src_affine), ('tgt', tgt_affine)):
            jittered = color_jitter(image, rng, self.jitter)
            warped[side] = np.clip(
                warp_affine(jittered, affine, self.align_corners), 0,
                255).round().astype(np.uint8)
        # a pixel is foreground in both only if neither warp cut it off
        tgt_mask = warp_affine(mask, tgt_affine, self.align_corners)
        common = warp_affine(tgt_mask, invert_affine(tgt_affine),
                             self.align_corners)
        src_mask = warp_affine(common, src_affine, self.align_corners)
        results.update(
            src_img=warped['src'], tgt_img=warped['tgt'],
            src_mask=src_mask, tgt_mask=tgt_mask,
            src_affine=src_affine, tgt_affine=tgt_affine,
            img_shape=(self.scale[1], self.scale[0]))
        return results

    @staticmethod
    def correspondences(points: np.ndarray, src_affine: np.ndarray,
                        tgt_affine: np.ndarray, size: Tuple[int, int],
                        align_corners: bool = True) -> np.ndarray:
        """Map source pixels ``(K, 2)`` (x, y) to target pixels.

        ``q_tgt = inv(tgt_affine) @ src_affine @ q_src`` in normalised
        coordinates; ``size`` is ``(H, W)`` of both images.
        """
        height, width = size
        norm = _Normaliser(width, height, align_corners)
        q = norm.to_normalised(np.asarray(points, np.float64))
        full = np.vstack([src_affine, [0, 0, 1]])
        to_tgt = np.vstack([invert_affine(tgt_affine), [0, 0, 1]]) @ full
        q = (to_tgt[:2, :2] @ q.T).T + to_tgt[:2, 2]
        return norm.to_pixels(q)


class _Normaliser:
    """Pixel <-> ``[-1, 1]`` coordinates for one image size."""

    def __init__(self, width: int, height: int, align_corners: bool):
        self.size = np.array([width, height], np.float64)
        self.align_corners = align_corners

    def to_normalised(self, pixels: np.ndarray) -> np.ndarray:
        if self.align_corners:
            return 2 * pixels / (self.size - 1) - 1
        return (2 * pixels + 1) / self.size - 1

    def to_pixels(self, normalised: np.ndarray) -> np.ndarray:
        if self.align_corners:
            return (normalised + 1) * (self.size - 1) / 2
        return ((normalised + 1) * self.size - 1) / 2


@TRANSFORMS.register_module()
class LoadForegroundMask(BaseTransform):
    """``gt_fg_mask`` from a segmentation label: every labelled object pixel.

    Reads ``seg_map_path`` (a PNG of class indices, e.g. PASCAL VOC) and
    keeps the pixels whose label is neither ``background`` nor
    ``ignore_index`` (SFNet's foreground masks).

    Raises:
        LabelSizeError: if an image was loaded first (``ori_shape``) and the
            label map's ``(H, W)`` differs from it; names both files.
    """

    def __init__(self, background: int = 0, ignore_index: int = 255):
        self.background, self.ignore_index = background, ignore_index

    def transform(self, results: dict) -> dict:
        path = results['seg_map_path']
        label = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if label is None:
            raise FileNotFoundError(f'cannot read label map {path!r}')
        check_label_size(label.shape, results.get('ori_shape'), path,
                         results.get('img_path'))
        results['gt_fg_mask'] = ((label != self.background) &
                                 (label != self.ignore_index)).astype(
                                     np.uint8)
        return results
