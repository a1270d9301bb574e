# Copyright (c) mmcorr contributors. All rights reserved.
"""Colour augmentation that is the same in every frame of a clip."""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmcorr.registry import TRANSFORMS
from .views import check_views

__all__ = ['ClipHueShift']


@TRANSFORMS.register_module()
class ClipHueShift(BaseTransform):
    """Rotate the hue and scale the saturation of every frame of a clip by
    the same random amounts.

    For self-supervised colour reconstruction (MAST): within a clip the
    colours stay consistent, so matching by colour still works, but across
    clips an object's colour is no longer fixed, so features cannot
    memorise "this texture is orange" from a few training photographs.

    Works on ``results['views']`` (each view's ``img``, ``(H, W, 3)``
    uint8 BGR, as loaded).

    Args:
        hue_delta (int): Hue shift drawn in ``[-hue_delta, hue_delta]``, in
            OpenCV's hue units (180 = a full turn).
        saturation_range (tuple[float, float]): Saturation factor range.
        prob (float): Probability of changing a clip at all.
    """

    def __init__(self, hue_delta: int = 90,
                 saturation_range=(0.7, 1.3), prob: float = 1.0):
        self.hue_delta = hue_delta
        self.saturation_range = tuple(saturation_range)
        self.prob = prob

    def transform(self, results: dict) -> dict:
        views = check_views(results, type(self).__name__)
        if np.random.rand() >= self.prob:
            return results
        shift = np.random.randint(-self.hue_delta, self.hue_delta + 1)
        factor = np.random.uniform(*self.saturation_range)
        for i, view in enumerate(views):
            image = view.get('img')
            if image is None or image.ndim != 3 or image.shape[2] != 3 or \
                    image.dtype != np.uint8:
                raise ValueError(f'ClipHueShift: view {i} needs a loaded '
                                 '(H, W, 3) uint8 BGR image')
            hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV).astype(np.int32)
            hsv[..., 0] = (hsv[..., 0] + shift) % 180
            hsv[..., 1] = np.clip(hsv[..., 1] * factor, 0, 255)
            view['img'] = cv2.cvtColor(hsv.astype(np.uint8),
                                       cv2.COLOR_HSV2BGR)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(hue_delta={self.hue_delta}, '
                f'saturation_range={self.saturation_range}, '
                f'prob={self.prob})')
