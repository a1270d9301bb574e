# Copyright (c) mmcorr contributors. All rights reserved.
"""Loading of images and labels with errors that name the file.

``LoadCheckedImage`` and ``LoadCheckedAnnotations`` are mmcv's
``LoadImageFromFile`` and mmseg's ``LoadAnnotations`` (same arguments) that
name the file on a missing or undecodable image and refuse a label map whose
size is not its image's. ``LoadForegroundMask`` reads SFNet's foreground
masks. ``LoadSaliencyMap`` and ``LoadBinaryMask`` read co-saliency
inputs (single-image saliency maps) and ground truth (0/255 masks). All work
on one image; wrap them in
:class:`~mmcorr.datasets.transforms.ForEachView` for every view of a sample.
From an mmseg config they are ``type='mmcorr.LoadCheckedImage'`` etc.
"""
from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform, LoadImageFromFile
from mmseg.datasets.transforms import LoadAnnotations as MMSegLoadAnnotations

from mmcorr.fileio import read_id_png, read_image
from mmcorr.registry import TRANSFORMS
from ..load_errors import LabelSizeError, check_label_size


#: The image reader of mmcorr (:func:`mmcorr.fileio.read_image`), by its
#: older name.
read_image_file = read_image


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


def _check_map_size(results: dict, array: np.ndarray, path: str,
                    what: str, who: str, same_size: bool = True) -> None:
    """Refuse an image already transformed (the map would not be moved with
    it), and, with ``same_size``, a map that is not the size of its image
    as read."""
    ori_shape = results.get('ori_shape')
    if ori_shape is None or results.get('img') is None:
        raise KeyError(f'{who} compares the {what} {path!r} with its image: '
                       'load the image first (LoadCheckedImage before it)')
    moved = results.get('homography_matrix')
    if tuple(results['img'].shape[:2]) != tuple(ori_shape[:2]) or (
            moved is not None and not np.allclose(moved, np.eye(3))):
        raise ValueError(
            f'{who}: the image {results.get("img_path")!r} was already '
            f'transformed when its {what} {path!r} was loaded, so the map '
            'would not match it: load maps right after the image, before '
            'the geometric transforms')
    map_hw, img_hw = tuple(array.shape[:2]), tuple(ori_shape[:2])
    if same_size and map_hw != img_hw:
        raise LabelSizeError(
            f'{what} {path!r} is {map_hw[0]}x{map_hw[1]} (H x W) but its '
            f'image {results.get("img_path")!r} is {img_hw[0]}x{img_hw[1]}: '
            f'the {what} must have the size of its image (is it the map of '
            'another image, or resized? e.g. ICNet\'s 224 x 224 SISMs go '
            'with its 224 x 224 images)')


@TRANSFORMS.register_module()
class LoadSaliencyMap(BaseTransform):
    """A single-image saliency map (SISM) as a float ``(H, W)`` map in
    ``[0, 1]``.

    Reads ``results[path_key]`` as grey (a grey image stored with three
    equal channels is converted; a colour photograph given by mistake is
    refused, unless ``allow_colour``), divides by 255 and stores float32 ``(H, W)`` under ``results[key]``;
    ``key`` is appended to ``results['map_fields']`` (a new list), so
    ``RecordedResize`` / ``RecordedPad`` / ``RecordedRandomFlip`` move the
    map with its image (bilinear), and ``PackMultiViewInputs(
    extra_inputs=(key, ))`` packs it. ICNet reads its SISMs so (grey,
    ``ToTensor``), and its ground truth too: with ``path_key='seg_map_path',
    key='gt_saliency'`` this reads the soft target of ICNet's loss, which
    ``PackMultiViewInputs`` packs as the view's ``gt_saliency``.

    A map already in ``results[key]`` (one given to the inference API, as
    ``LoadCheckedImage`` keeps a given ``img``) is used instead of the file:
    an ``(H, W)`` array, uint8 ``0..255`` (divided by 255) or float in
    ``[0, 1]``, checked like a file's map.

    Must run after ``LoadCheckedImage`` and before any geometric transform.

    Args:
        path_key (str): Results key of the file path.
        key (str): Results key of the map.
        resize_to_image (bool): Resize a map of another size than its image
            (bilinear) instead of refusing it: ICNet's released EGNet SISMs
            are all 224 x 224, for images of any size.
        keep_size (bool): Keep a map of another size than its image at its
            own size instead of refusing it, for a pipeline that resizes to
            a fixed size next: ``RecordedResize`` resizes every map to the
            image's new size from the map's own, so each is resampled once,
            as ICNet resizes image, ground truth and SISM to 224 x 224 each
            on its own (``resize_to_image`` resamples the map twice). Until
            then only a flip may run (``PackMultiViewInputs`` refuses a map
            whose size still differs). Not with ``resize_to_image``.
        allow_colour (bool): Convert a colour file to grey as ICNet's PIL
            ``convert('L')`` would, instead of refusing it. Refused: three
            channels that differ by more than 2 grey levels on average
            (JPEG noise on a grey map stays below that).
        imdecode_backend (str): mmcv decoding backend (``'cv2'``,
            ``'pillow'``...).
        backend_args (dict, optional): mmengine file backend arguments.

    Raises:
        KeyError: no ``path_key`` (and no given map) in the results, or no
            image loaded first.
        ValueError: a colour file (not a saliency map), naming it.
        FileNotFoundError / ValueError: missing or undecodable file (named).
        TypeError / ValueError: a given map that is not an ``(H, W)``
            uint8 or float array, or a float one outside ``[0, 1]``.
        LabelSizeError: (a ``ValueError``) a map of another size than its
            image's file (``ori_shape``), naming both files and sizes,
            unless ``resize_to_image`` or ``keep_size``.
    """

    def __init__(self, path_key: str = 'sism_path', key: str = 'sism',
                 resize_to_image: bool = False,
                 keep_size: bool = False,
                 allow_colour: bool = False,
                 imdecode_backend: str = 'cv2',
                 backend_args: Optional[dict] = None):
        if resize_to_image and keep_size:
            raise ValueError('LoadSaliencyMap: resize_to_image and keep_size '
                             'exclude each other (resize the map to its '
                             'image, or keep it at its own size)')
        self.path_key, self.key = path_key, key
        self.resize_to_image = resize_to_image
        self.keep_size = keep_size
        self.allow_colour = allow_colour
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args

    def _read_grey(self, path: str) -> np.ndarray:
        """The file as ``(H, W)`` uint8 grey; a colour file refused unless
        ``allow_colour``."""
        if not self.allow_colour:
            raw = read_image_file(path, 'unchanged', self.imdecode_backend,
                                  self.backend_args)
            if raw.ndim == 3 and raw.shape[2] >= 3:
                channels = raw[..., :3].astype(np.int16)
                spread = (np.abs(channels[..., 0] - channels[..., 1]) +
                          np.abs(channels[..., 1] - channels[..., 2])).mean()
                if spread > 2:
                    raise ValueError(
                        f'{type(self).__name__}: {path!r} is a colour image '
                        f'(its channels differ by {spread:.1f} grey levels '
                        'on average), not a saliency map: give grey maps '
                        '(0 background .. 255 salient), or allow_colour='
                        'True to convert it')
        return read_image_file(path, 'grayscale', self.imdecode_backend,
                               self.backend_args)

    def _given_map(self, array) -> np.ndarray:
        """A map given in ``results[key]`` -> float32 ``(H, W)`` in
        ``[0, 1]``."""
        who = f'{type(self).__name__}: the given {self.key!r}'
        if not isinstance(array, np.ndarray):
            raise TypeError(f'{who} must be an (H, W) numpy array, got '
                            f'{type(array).__name__}')
        if array.ndim != 2:
            raise ValueError(f'{who} must be an (H, W) grey map, got shape '
                             f'{array.shape}')
        if array.dtype == np.uint8:
            return array.astype(np.float32) / 255.0
        if not np.issubdtype(array.dtype, np.floating):
            raise TypeError(f'{who} must be uint8 (0..255) or float (0..1), '
                            f'got {array.dtype}')
        if array.size and (not np.isfinite(array).all() or array.min() < 0
                           or array.max() > 1):
            raise ValueError(f'{who} is float, so its values must be finite '
                             f'and in [0, 1], got [{np.nanmin(array):g}, '
                             f'{np.nanmax(array):g}] (pass uint8 for '
                             '0..255 maps)')
        return array.astype(np.float32)

    def transform(self, results: dict) -> dict:
        path = results.get(self.path_key)
        if results.get(self.key) is not None:
            grey = self._given_map(results[self.key])
            _check_map_size(results, grey, f'given {self.key!r}',
                            'saliency map', type(self).__name__)
            results[self.key] = grey
        else:
            if path is None:
                raise KeyError(
                    f'{type(self).__name__}: the results have no '
                    f'{self.path_key!r} (image {results.get("img_path")!r});'
                    ' give the dataset a SISM folder (sism_root=...), or '
                    'drop this transform to let the model compute saliency '
                    'maps')
            grey = self._read_grey(path)
            ori_shape = results.get('ori_shape')
            if self.resize_to_image and ori_shape is not None and \
                    tuple(grey.shape[:2]) != tuple(ori_shape[:2]):
                grey = mmcv.imresize(grey, (ori_shape[1], ori_shape[0]),
                                     interpolation='bilinear')
            _check_map_size(results, grey, path, 'saliency map',
                            type(self).__name__, not self.keep_size)
            results[self.key] = grey.astype(np.float32) / 255.0
        fields = list(results.get('map_fields', ()))
        if self.key not in fields:
            fields.append(self.key)
        results['map_fields'] = fields
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(path_key={self.path_key!r}, '
                f'key={self.key!r}, resize_to_image={self.resize_to_image}, '
                f'keep_size={self.keep_size}, '
                f'allow_colour={self.allow_colour}, '
                f'imdecode_backend={self.imdecode_backend!r})')


@TRANSFORMS.register_module()
class LoadBinaryMask(BaseTransform):
    """Co-saliency ground truth: ``gt_seg_map`` uint8 ``(H, W)``, 1 where
    the grey value is ``> threshold``, else 0.

    The masks of the public releases (COCO9213, CoCA, CoSal2015, CoSOD3k)
    are 0/255 PNGs, a few with anti-aliased edges. ICNet's loss uses the
    ground truth as a ``[0, 1]`` map (grey / 255, soft after its bilinear
    resize); here it is binarised (``> 128``, as PySODMetrics binarises it
    for scoring), a documented deviation, and packed
    by ``PackMultiViewInputs`` as ``gt_sem_seg`` (0/1). ``'gt_seg_map'`` is
    added to ``results['seg_fields']`` for mmseg transforms.

    Must run after ``LoadCheckedImage`` and before any geometric transform.

    Args:
        threshold (int): Grey level (0..254) above which a pixel is
            salient.
        path_key (str): Results key of the file path.
        imdecode_backend (str): mmcv decoding backend.
        backend_args (dict, optional): mmengine file backend arguments.

    Raises:
        KeyError: no ``path_key`` in the results (a dataset without ground
            truth), or no image loaded first.
        FileNotFoundError / ValueError: missing or undecodable file (named).
        LabelSizeError: (a ``ValueError``) a mask of another size than its
            image's file (``ori_shape``), naming both files and sizes.
    """

    def __init__(self, threshold: int = 128, path_key: str = 'seg_map_path',
                 imdecode_backend: str = 'cv2',
                 backend_args: Optional[dict] = None):
        if not 0 <= threshold < 255:
            raise ValueError(f'threshold must be in 0..254, got {threshold}')
        self.threshold = threshold
        self.path_key = path_key
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        path = results.get(self.path_key)
        if path is None:
            raise KeyError(
                f'{type(self).__name__}: the results have no '
                f'{self.path_key!r} (image {results.get("img_path")!r}); '
                'the dataset has no ground-truth folder: set it, or drop '
                'this transform from a prediction-only pipeline')
        grey = read_image_file(path, 'grayscale', self.imdecode_backend,
                               self.backend_args)
        _check_map_size(results, grey, path, 'ground-truth mask',
                        type(self).__name__)
        results['gt_seg_map'] = (grey > self.threshold).astype(np.uint8)
        fields = list(results.get('seg_fields', ()))
        if 'gt_seg_map' not in fields:
            fields.append('gt_seg_map')
        results['seg_fields'] = fields
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(threshold={self.threshold}, '
                f'path_key={self.path_key!r}, '
                f'imdecode_backend={self.imdecode_backend!r})')


@TRANSFORMS.register_module()
class LoadObjectIdMap(BaseTransform):
    """``gt_seg_map`` (``(H, W)`` uint8 object ids) from an indexed PNG,
    as video object segmentation annotations are stored (DAVIS,
    YouTube-VOS: a palette PNG whose indices are the object ids, 255 void).

    Reads ``seg_map_path`` with
    :func:`mmcorr.fileio.read_id_png`: a missing file, a corrupt one or
    one that is not an indexed PNG (an RGB rendering of the masks, say) is
    refused with a message naming the file; grey single-channel id PNGs
    are accepted with ``allow_grey=True``.

    Raises:
        LabelSizeError: if an image was loaded first (``ori_shape``) and the
            map's size differs from it; names both files.
    """

    def __init__(self, allow_grey: bool = False):
        self.allow_grey = allow_grey

    def transform(self, results: dict) -> dict:
        path = results['seg_map_path']
        ids = read_id_png(path, self.allow_grey)
        check_label_size(ids.shape, results.get('ori_shape'), path,
                         results.get('img_path'))
        results['gt_seg_map'] = ids
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(allow_grey={self.allow_grey})'
