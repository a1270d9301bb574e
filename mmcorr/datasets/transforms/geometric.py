# Copyright (c) mmcorr contributors. All rights reserved.
"""Geometric transforms of one image that record what they did.

Each is mmcv's transform of the same kind (same arguments) that also
composes its pixel mapping into ``results['homography_matrix']``
(``3 x 3`` float64, original pixel -> current pixel, in the pixel frame of
:mod:`mmcorr.ops.coordinates`), moves the SFNet foreground mask
``gt_fg_mask`` and the instance-id map ``gt_instance_ids`` (nearest; 0 in
padding) and every per-view map listed in
``results['map_fields']`` (bilinear: e.g. a saliency map given to the model
as an extra input; zeros in padding) with the image, and leaves keypoints in
ORIGINAL pixels: the metric and the inference API undo the recorded mapping.
Apply them to every view of a sample with
:class:`~mmcorr.datasets.transforms.ForEachView`.
"""
from numbers import Number
from typing import Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform, RandomFlip, Resize

from mmcorr.ops.coordinates import (flip_homography, resize_homography,
                                    translation_homography)
from mmcorr.registry import TRANSFORMS


def map_fields(results: dict):
    """The float maps that move with the image: ``results['map_fields']``."""
    return [k for k in results.get('map_fields', ()) if k in results]


def resize_map(array: np.ndarray, size: Tuple[int, int],
               interpolation: str = 'bilinear',
               backend: Optional[str] = 'cv2') -> np.ndarray:
    """``mmcv.imresize`` of a per-view map (``(H, W)``) to ``size``
    ``(W, H)``, also for the maps mmcv's pillow path refuses (it takes
    uint8 only): with ``backend='pillow'`` a float map is resized in PIL's
    32-bit float mode ``'F'`` (float32 out), an integer map (``'nearest'``
    only) in its 32-bit integer mode ``'I'`` (its dtype kept)."""
    if backend != 'pillow' or array.dtype == np.uint8:
        return mmcv.imresize(array, size, interpolation=interpolation,
                             backend=backend)
    from PIL import Image
    codes = {'nearest': Image.NEAREST, 'bilinear': Image.BILINEAR}
    if array.ndim != 2 or interpolation not in codes:
        raise ValueError('the pillow backend resizes (H, W) maps, nearest or '
                         f'bilinear; got {array.shape}, {interpolation!r}')
    if np.issubdtype(array.dtype, np.floating):
        image = Image.fromarray(np.ascontiguousarray(array, np.float32))
        return np.array(image.resize(size, codes[interpolation]),
                        np.float32)
    if interpolation != 'nearest':
        raise ValueError('the pillow backend resizes integer maps with '
                         f'nearest neighbours only, got {interpolation!r}')
    image = Image.fromarray(np.ascontiguousarray(array, np.int32))
    return np.array(image.resize(size, codes['nearest'])).astype(
        array.dtype)


def record_homography(results: dict, matrix: np.ndarray,
                      input_shape: Optional[Sequence[int]] = None) -> None:
    """``results['homography_matrix'] = matrix @ (the mapping so far)``;
    ``results['homography_shape']`` is the image size it maps into (a later
    size change by a transform that records nothing is then detected).
    ``input_shape`` is the image's ``(H, W)`` before the step.

    Raises:
        ValueError: for the first recorded step when the image is no longer
            its file's size (``ori_shape``): an earlier transform changed it
            without recording how.
    """
    before = results.get('homography_matrix')
    if before is None:
        ori_shape = results.get('ori_shape')
        if None not in (ori_shape, input_shape) and tuple(ori_shape) != \
                tuple(input_shape):
            raise ValueError(
                f'{results.get("img_path")!r}: the image is '
                f'{tuple(input_shape)}, not its file\'s '
                f'{tuple(ori_shape)}, before the first Recorded* transform: '
                'an earlier transform changed its geometry without recording '
                'it (use the Recorded* transforms throughout)')
    before = np.eye(3) if before is None else np.asarray(before, np.float64)
    results['homography_matrix'] = matrix @ before
    results['homography_shape'] = tuple(results['img'].shape[:2])


@TRANSFORMS.register_module()
class RecordedResize(Resize):
    """mmcv's ``Resize`` that records its homography.

    The recorded mapping is the one the resampling really applies (cv2 and
    pillow align pixel edges): ``x' = (x + 0.5) W' / W - 0.5``. ``gt_fg_mask``
    is resized with nearest neighbours, like ``gt_seg_map``; the
    ``map_fields`` bilinearly, each from its own size to the image's new
    one (:func:`resize_map`: with ``backend='pillow'`` float maps too, as
    ICNet resizes its PIL images with torchvision's ``Resize``).

    Args: as mmcv's ``Resize`` (``scale=(W, H)``, ``keep_ratio``,
        ``interpolation``, ``backend``...).
    """

    def transform(self, results: dict) -> dict:
        before = results['img'].shape[:2]
        results = super().transform(results)
        after = results['img'].shape[:2]
        for key, mode in [('gt_fg_mask', 'nearest'),
                          ('gt_instance_ids', 'nearest')] + [
                (k, 'bilinear') for k in map_fields(results)]:
            if results.get(key) is not None:
                results[key] = resize_map(results[key], after[::-1], mode,
                                          self.backend)
        record_homography(results, resize_homography(before, after), before)
        return results


@TRANSFORMS.register_module()
class RecordedPad(BaseTransform):
    """Pad an image by given margins and record the shift.

    Unlike mmcv's ``Pad`` (bottom/right, to a size), this adds
    ``(left, top, right, bottom)`` pixels, e.g. SFNet's test protocol pads
    16 px on every side of a 288 x 288 image (a 320 input), which moves
    every pixel by ``(left, top)``. (Padding to a multiple of a size is the
    data preprocessor's ``size_divisor``; it moves nothing.)

    Required keys: ``img``. Modified keys: ``img``, ``img_shape``, and when
    present ``gt_seg_map`` (``seg_pad_val``), ``gt_fg_mask`` and the
    ``map_fields`` (0).
    Added keys: ``homography_matrix``, ``pad_margins``
    (``(left, top, right, bottom)``, summed over repeated pads).

    Args:
        padding (int | tuple[int, int, int, int]): One margin for all four
            sides, or ``(left, top, right, bottom)``.
        pad_val (float): Image fill value.
        seg_pad_val (int): Label-map fill value (mmseg's ignore index).
    """

    def __init__(self, padding: Union[int, Sequence[int]] = 16,
                 pad_val: float = 0, seg_pad_val: int = 255):
        try:
            margins = (padding, ) * 4 if isinstance(padding, Number) else \
                tuple(padding)
            ok = len(margins) == 4 and all(
                int(m) == m and m >= 0 for m in margins)
        except (TypeError, ValueError):  # None, strings...
            ok = False
        if not ok:
            raise ValueError('padding must be an int >= 0 or (left, top, '
                             f'right, bottom) ints >= 0, got {padding!r}')
        self.margins = tuple(int(m) for m in margins)
        self.pad_val, self.seg_pad_val = pad_val, seg_pad_val

    def _pad(self, array: np.ndarray, value: float) -> np.ndarray:
        if array.ndim == 3 and isinstance(value, Number):
            # cv2 fills only the first channel with a scalar (as mmcv's Pad)
            value = (value, ) * array.shape[2]
        return mmcv.impad(array, padding=self.margins, pad_val=value)

    def transform(self, results: dict) -> dict:
        before = results['img'].shape[:2]
        results['img'] = self._pad(results['img'], self.pad_val)
        for key, value in [('gt_seg_map', self.seg_pad_val),
                           ('gt_fg_mask', 0), ('gt_instance_ids', 0)] + [
                               (k, 0) for k in map_fields(results)]:
            if results.get(key) is not None:
                results[key] = self._pad(results[key], value)
        results['img_shape'] = results['img'].shape[:2]
        left, top = self.margins[:2]
        record_homography(results, translation_homography(left, top), before)
        total = results.get('pad_margins', (0, 0, 0, 0))
        results['pad_margins'] = tuple(
            int(a + b) for a, b in zip(total, self.margins))
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(padding={self.margins}, '
                f'pad_val={self.pad_val}, seg_pad_val={self.seg_pad_val})')


@TRANSFORMS.register_module()
class RecordedRandomFlip(RandomFlip):
    """mmcv's ``RandomFlip`` that records its homography and flips
    ``gt_fg_mask`` and the ``map_fields`` too.

    Inside :class:`~mmcorr.datasets.transforms.ForEachView` with
    ``share_random_params=True`` every view flips the same way.

    Args: as mmcv's ``RandomFlip`` (``prob``, ``direction``).
    """

    def _flip(self, results: dict) -> None:
        direction = results['flip_direction']
        before = results['img'].shape[:2]
        super()._flip(results)
        for key in ['gt_fg_mask', 'gt_instance_ids'] + map_fields(results):
            if results.get(key) is not None:
                results[key] = mmcv.imflip(results[key], direction=direction)
        record_homography(results, flip_homography(before, direction),
                          before)
