# Copyright (c) mmcorr contributors. All rights reserved.
"""Transforms of (source, target) image pairs for semantic correspondence.

A pair's results dict, as the pair datasets fill it and these transforms
update it:

- ``src_img_path``, ``tgt_img_path`` (str), optional ``src_mask_path``,
  ``tgt_mask_path``.
- ``src_img``, ``tgt_img``: ``(H, W, 3)`` uint8 BGR arrays.
- ``src_mask``, ``tgt_mask``: ``(H, W)`` uint8 0/1 arrays, same size as
  their image.
- ``src_ori_shape``, ``tgt_ori_shape``: ``(H, W)`` of the files.
- ``img_shape``: ``(H, W)`` of both images after resizing/padding.
- ``src_keypoints``, ``tgt_keypoints`` (``(K, 2)`` float, ``(x, y)``) and
  ``keypoint_valid`` (``(K,)`` bool): always in ORIGINAL pixels; the
  geometric transforms here never move them.
"""
from typing import Optional, Sequence, Tuple

import mmcv
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmengine.structures import PixelData

from mmcorr.registry import TRANSFORMS
from mmcorr.structures import PairDataSample
from ..load_errors import check_label_size

SIDES = ('src', 'tgt')


def read_image_file(path: str, flag: str = 'color',
                    backend: Optional[str] = None,
                    backend_args: Optional[dict] = None) -> np.ndarray:
    """Read and decode one image file.

    Raises:
        FileNotFoundError: if ``path`` does not exist (message names it).
        ValueError: if the bytes are not a decodable image (names the file).
    """
    try:
        content = fileio.get(path, backend_args=backend_args)
    except FileNotFoundError as error:
        raise FileNotFoundError(f'image file {path!r} does not exist') \
            from error
    try:
        img = mmcv.imfrombytes(content, flag=flag, backend=backend)
    except Exception as error:  # decoders raise many types
        raise ValueError(f'could not decode {path!r} ({error}): the file is '
                         'corrupt, truncated or not an image') from error
    if img is None or img.size == 0:
        raise ValueError(f'could not decode {path!r}: the file is corrupt, '
                         'truncated or not an image')
    return img


@TRANSFORMS.register_module()
class LoadImagePairFromFile(BaseTransform):
    """Load the source and target images of a pair.

    Required keys: ``src_img_path``, ``tgt_img_path``.
    Added keys: ``src_img``, ``tgt_img`` (``(H, W, 3)`` uint8 BGR, or
    float32 with ``to_float32``), ``src_ori_shape``, ``tgt_ori_shape``
    (``(H, W)``).

    Args:
        to_float32 (bool): Cast the images to float32.
        color_type (str): ``mmcv.imfrombytes`` flag; ``'color'`` turns
            grayscale files into 3 channels.
        imdecode_backend (str): ``'cv2'`` or ``'pillow'``.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self, to_float32: bool = False, color_type: str = 'color',
                 imdecode_backend: str = 'cv2',
                 backend_args: Optional[dict] = None):
        self.to_float32 = to_float32
        self.color_type = color_type
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        for side in SIDES:
            img = read_image_file(results[f'{side}_img_path'],
                                  self.color_type, self.imdecode_backend,
                                  self.backend_args)
            if self.to_float32:
                img = img.astype(np.float32)
            results[f'{side}_img'] = img
            results[f'{side}_ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(to_float32={self.to_float32}, '
                f'color_type={self.color_type!r}, '
                f'imdecode_backend={self.imdecode_backend!r})')


@TRANSFORMS.register_module()
class LoadMaskPairFromFile(BaseTransform):
    """Load the foreground masks of a pair as uint8 0/1 arrays.

    A pixel is foreground when its value (the largest over channels for a
    colour file) is greater than ``threshold``; palette PNGs are read as
    their indices with the default pillow decoder.

    Required keys: ``src_mask_path``, ``tgt_mask_path``.
    Added keys: ``src_mask``, ``tgt_mask`` (``(H, W)`` uint8 0/1).

    Args:
        threshold (float): Values above it are foreground.
        imdecode_backend (str): ``'pillow'`` (default) or ``'cv2'``.
        backend_args (dict, optional): mmengine file backend arguments.

    Raises:
        LabelSizeError: if a mask's size differs from its image as read
            (``{side}_ori_shape``); a ``ValueError`` naming both files.
    """

    def __init__(self, threshold: float = 0, imdecode_backend: str = 'pillow',
                 backend_args: Optional[dict] = None):
        self.threshold = threshold
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        for side in SIDES:
            path = results[f'{side}_mask_path']
            raw = read_image_file(path, 'unchanged', self.imdecode_backend,
                                  self.backend_args)
            if raw.ndim == 3:
                raw = raw.max(axis=2)
            mask = (raw > self.threshold).astype(np.uint8)
            check_label_size(mask.shape, _image_shape(results, side), path,
                             results.get(f'{side}_img_path'))
            results[f'{side}_mask'] = mask
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(threshold={self.threshold})'


def _image_shape(results: dict, side: str) -> Optional[Tuple[int, int]]:
    """``(H, W)`` of a side's image as read, ``None`` if not loaded."""
    shape = results.get(f'{side}_ori_shape')
    if shape is None and results.get(f'{side}_img') is not None:
        shape = results[f'{side}_img'].shape[:2]
    return shape


@TRANSFORMS.register_module()
class ResizePair(BaseTransform):
    """Resize both images (bilinear) and masks (nearest) to one fixed size.

    Keypoints stay in original pixels (the metric maps predictions back to
    the original sizes).

    Required keys: ``src_img``, ``tgt_img``; optional ``src_mask``,
    ``tgt_mask``.
    Added keys: ``img_shape`` (``(H, W)``), ``src_scale_factor``,
    ``tgt_scale_factor`` (``(w_scale, h_scale)``, new size / file size).

    Args:
        scale (tuple[int, int]): Output ``(W, H)``, e.g. ``(288, 288)`` for
            SFNet's test protocol.
        interpolation (str): Image interpolation (mmcv name).
        backend (str, optional): ``'cv2'`` (mmcv's default) or ``'pillow'``
            (closest to the official torchvision ``Resize`` on PIL images,
            which smooths when shrinking).
    """

    def __init__(self, scale: Tuple[int, int],
                 interpolation: str = 'bilinear',
                 backend: Optional[str] = None):
        if len(scale) != 2 or min(scale) < 1:
            raise ValueError(f'scale must be (W, H) > 0, got {scale}')
        self.scale = tuple(int(s) for s in scale)
        self.interpolation = interpolation
        self.backend = backend

    def transform(self, results: dict) -> dict:
        for side in SIDES:
            img, w_scale, h_scale = mmcv.imresize(
                results[f'{side}_img'], self.scale, return_scale=True,
                interpolation=self.interpolation, backend=self.backend)
            results[f'{side}_img'] = img
            results[f'{side}_scale_factor'] = (w_scale, h_scale)
            if results.get(f'{side}_mask') is not None:
                results[f'{side}_mask'] = mmcv.imresize(
                    results[f'{side}_mask'], self.scale,
                    interpolation='nearest', backend=self.backend)
        results['img_shape'] = (self.scale[1], self.scale[0])
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale={self.scale}, '
                f'interpolation={self.interpolation!r}, '
                f'backend={self.backend!r})')


@TRANSFORMS.register_module()
class PadPair(BaseTransform):
    """Pad both images and masks by ``padding`` pixels on every side.

    SFNet's test protocol resizes to ``(20 - 2) * 16 = 288`` and pads 16 px
    to a 320 input, to keep image borders away from the feature-map border.

    Required keys: ``src_img``, ``tgt_img``; optional masks.
    Updated keys: ``img_shape``; ``pad_size`` (pixels added on every side,
    summed over repeated pads).

    Args:
        padding (int): Pixels added on each of the four sides.
        pad_val (float): Image fill value.
        mask_pad_val (int): Mask fill value (0: background).
    """

    def __init__(self, padding: int = 16, pad_val: float = 0,
                 mask_pad_val: int = 0):
        if int(padding) != padding or padding < 0:
            raise ValueError(f'padding must be an int >= 0, got {padding}')
        self.padding = int(padding)
        self.pad_val = pad_val
        self.mask_pad_val = mask_pad_val

    def transform(self, results: dict) -> dict:
        p = self.padding
        for side in SIDES:
            results[f'{side}_img'] = mmcv.impad(
                results[f'{side}_img'], padding=(p, p, p, p),
                pad_val=self.pad_val)
            if results.get(f'{side}_mask') is not None:
                results[f'{side}_mask'] = mmcv.impad(
                    results[f'{side}_mask'], padding=(p, p, p, p),
                    pad_val=self.mask_pad_val)
        results['img_shape'] = results['src_img'].shape[:2]
        results['pad_size'] = results.get('pad_size', 0) + p
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(padding={self.padding}, '
                f'pad_val={self.pad_val}, mask_pad_val={self.mask_pad_val})')


def keypoint_validity(src: np.ndarray, tgt: np.ndarray) -> np.ndarray:
    """``(K,)`` bool: False where either point is ``-1`` padding or not
    finite."""
    pad = (src == -1).any(axis=1) | (tgt == -1).any(axis=1)
    finite = np.isfinite(src).all(axis=1) & np.isfinite(tgt).all(axis=1)
    return ~pad & finite


@TRANSFORMS.register_module()
class PackPairInputs(BaseTransform):
    """Pack a pair into ``dict(inputs, data_samples)``.

    ``inputs`` is a uint8 (or float, as loaded) Tensor ``[2, 3, H, W]``:
    index 0 the source, 1 the target. ``data_samples`` is a
    :class:`PairDataSample` with the ground truth found in ``results``:

    ============================  ====================================
    results key                   data sample field
    ============================  ====================================
    ``src_keypoints`` (K, 2)      ``gt_src_keypoints`` float32 [K, 2]
    ``tgt_keypoints`` (K, 2)      ``gt_tgt_keypoints`` float32 [K, 2]
    ``keypoint_valid`` (K,)       ``gt_keypoint_valid`` bool [K]
    ``src_bbox`` / ``tgt_bbox``   ``gt_src_bbox`` / ``gt_tgt_bbox`` [4]
    ``src_bbox_size`` (scalar)    ``gt_src_bbox_size`` (0-d)
    ``src_mask`` / ``tgt_mask``   ``gt_src_mask`` / ``gt_tgt_mask``
                                  (PixelData, float [1, H, W])
    ============================  ====================================

    Without ``keypoint_valid``, rows with a ``-1`` coordinate are invalid.
    ``meta_keys`` found in ``results`` become metainfo; ``img_shape`` is
    always the packed images' size.

    Raises:
        ValueError: if the two images (or a mask) differ in size, or
            keypoint arrays disagree in shape.
    """

    DEFAULT_META_KEYS = ('src_img_path', 'tgt_img_path', 'src_ori_shape',
                         'tgt_ori_shape', 'img_shape', 'src_scale_factor',
                         'tgt_scale_factor', 'pad_size', 'category',
                         'category_id', 'pair_index', 'sample_idx')

    def __init__(self, meta_keys: Sequence[str] = DEFAULT_META_KEYS):
        self.meta_keys = tuple(meta_keys)

    @staticmethod
    def _pack_images(results: dict) -> torch.Tensor:
        src, tgt = results['src_img'], results['tgt_img']
        if src.shape != tgt.shape:
            raise ValueError(
                f'source image {src.shape} and target image {tgt.shape} '
                'differ in size; add ResizePair to the pipeline')
        pair = np.stack([src, tgt])
        if pair.ndim == 3:
            pair = pair[..., None]
        return torch.from_numpy(
            np.ascontiguousarray(pair.transpose(0, 3, 1, 2)))

    @staticmethod
    def _pack_keypoints(results: dict, sample: PairDataSample) -> None:
        if 'src_keypoints' not in results:
            return
        src = np.asarray(results['src_keypoints'], np.float32)
        tgt = np.asarray(results['tgt_keypoints'], np.float32)
        if src.ndim != 2 or src.shape[1] != 2 or src.shape != tgt.shape:
            raise ValueError(f'src_keypoints {src.shape} and tgt_keypoints '
                             f'{tgt.shape} must both be (K, 2)')
        valid = results.get('keypoint_valid')
        if valid is None:
            valid = keypoint_validity(src, tgt)
        sample.gt_src_keypoints = torch.from_numpy(src)
        sample.gt_tgt_keypoints = torch.from_numpy(tgt)
        sample.gt_keypoint_valid = torch.as_tensor(
            np.asarray(valid, bool).reshape(-1))

    @staticmethod
    def _pack_boxes_and_masks(results: dict, sample: PairDataSample,
                              img_shape: Tuple[int, int]) -> None:
        for side in SIDES:
            if results.get(f'{side}_bbox') is not None:
                setattr(sample, f'gt_{side}_bbox', torch.as_tensor(
                    np.asarray(results[f'{side}_bbox'], np.float32)))
            if results.get(f'{side}_bbox_size') is not None:
                setattr(sample, f'gt_{side}_bbox_size',
                        torch.tensor(float(results[f'{side}_bbox_size'])))
            mask = results.get(f'{side}_mask')
            if mask is not None:
                if mask.shape[:2] != tuple(img_shape):
                    raise ValueError(f'{side}_mask is {mask.shape[:2]}, the '
                                     f'images are {tuple(img_shape)}')
                data = torch.from_numpy(
                    np.ascontiguousarray(mask[None], np.float32))
                setattr(sample, f'gt_{side}_mask', PixelData(data=data))

    def transform(self, results: dict) -> dict:
        inputs = self._pack_images(results)
        img_shape = tuple(inputs.shape[-2:])
        results['img_shape'] = img_shape
        sample = PairDataSample()
        self._pack_keypoints(results, sample)
        self._pack_boxes_and_masks(results, sample, img_shape)
        sample.set_metainfo({
            key: results[key]
            for key in self.meta_keys if key in results
        })
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
