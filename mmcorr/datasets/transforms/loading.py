# Copyright (c) mmcorr contributors. All rights reserved.
"""Loading of images and labels with errors that name the file.

``LoadCheckedImage`` and ``LoadCheckedAnnotations`` are mmcv's
``LoadImageFromFile`` and mmseg's ``LoadAnnotations`` (same arguments) that
name the file on a missing or undecodable image and refuse a label map whose
size is not its image's. ``LoadForegroundMask`` reads SFNet's foreground
masks. All work on one image; wrap them in
:class:`~mmcorr.datasets.transforms.ForEachView` for every view of a sample.
From an mmseg config they are ``type='mmcorr.LoadCheckedImage'`` etc.
"""
from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform, LoadImageFromFile
from mmengine import fileio
from mmseg.datasets.transforms import LoadAnnotations as MMSegLoadAnnotations

from mmcorr.registry import TRANSFORMS
from ..load_errors import check_label_size


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
class LoadCheckedImage(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` whose errors name the file.

    Required keys: ``img_path``. Added keys: ``img`` (``(H, W, 3)`` uint8
    BGR, or float32 with ``to_float32``), ``img_shape``, ``ori_shape``
    (``(H, W)``). An ``img`` array already in ``results`` (an image given
    to the inference API) is kept and only its shapes are set.

    Raises:
        FileNotFoundError: for a missing file; ``ValueError`` for a corrupt,
            truncated or non-image file (``ignore_empty=True`` returns
            ``None`` for both, as mmcv does).
    """

    def transform(self, results: dict) -> Optional[dict]:
        img = results.get('img')
        try:
            if img is None:
                img = read_image_file(results['img_path'], self.color_type,
                                      self.imdecode_backend,
                                      self.backend_args)
        except (FileNotFoundError, ValueError):
            if self.ignore_empty:
                return None
            raise
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results


@TRANSFORMS.register_module()
class LoadCheckedAnnotations(MMSegLoadAnnotations):
    """mmseg's ``LoadAnnotations`` that refuses a label map of another size
    than its image.

    The label map (``gt_seg_map``, ``(H, W)``) is compared with the image as
    read from its file (``ori_shape``, set by ``LoadImageFromFile``; a
    ``Resize`` between the two does not matter). Without an image loaded
    first there is nothing to compare and the check is skipped.

    Raises:
        LabelSizeError: naming both files and both sizes (a
            ``SampleLoadError``, which mmcorr datasets pass on unchanged).
    """

    def _load_seg_map(self, results: dict) -> None:
        super()._load_seg_map(results)
        check_label_size(results['gt_seg_map'].shape,
                         results.get('ori_shape'), results['seg_map_path'],
                         results.get('img_path'))


@TRANSFORMS.register_module()
class LoadForegroundMask(BaseTransform):
    """``gt_fg_mask`` (``(H, W)`` uint8 0/1) from a label map or mask file.

    Reads ``seg_map_path``. By default it is a PNG of class indices (e.g.
    PASCAL VOC) and the foreground is every pixel whose label is neither
    ``background`` nor ``ignore_index`` (SFNet's masks). With ``threshold``
    it is a mask image and the foreground is where its value (the largest
    over channels) is above ``threshold``.

    Args:
        background (int): Label of the background.
        ignore_index (int): Label of unlabelled pixels.
        threshold (float, optional): Read a mask image instead (see above).
        imdecode_backend (str): ``'pillow'`` (palette PNGs as indices) or
            ``'cv2'``.

    Raises:
        FileNotFoundError / ValueError: missing or undecodable file.
        LabelSizeError: if an image was loaded first (``ori_shape``) and the
            label map's ``(H, W)`` differs from it; names both files.
    """

    def __init__(self, background: int = 0, ignore_index: int = 255,
                 threshold: Optional[float] = None,
                 imdecode_backend: str = 'pillow'):
        self.background, self.ignore_index = background, ignore_index
        self.threshold = threshold
        self.imdecode_backend = imdecode_backend

    def transform(self, results: dict) -> dict:
        path = results['seg_map_path']
        raw = read_image_file(path, 'unchanged', self.imdecode_backend)
        if self.threshold is None:
            if raw.ndim != 2:
                raise ValueError(f'label map {path!r} has {raw.shape[2]} '
                                 'channels; a class-index PNG has one (or '
                                 'pass threshold= for a mask image)')
            mask = (raw != self.background) & (raw != self.ignore_index)
        else:
            mask = (raw.max(axis=2) if raw.ndim == 3 else raw) > self.threshold
        check_label_size(mask.shape, results.get('ori_shape'), path,
                         results.get('img_path'))
        results['gt_fg_mask'] = mask.astype(np.uint8)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(background={self.background}, '
                f'ignore_index={self.ignore_index}, '
                f'threshold={self.threshold})')
