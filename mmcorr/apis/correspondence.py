# Copyright (c) mmcorr contributors. All rights reserved.
"""Inference API for dense correspondence models, in the style of mmseg's
``init_model`` / ``inference_model``.

.. code-block:: python

    model = init_matcher('configs/semantic_flow_matcher/'
                         'semantic-flow-matcher_r101_pf-pascal-test.py', ckpt)
    result = match_images(model, 'cat1.jpg', 'cat2.jpg')
    xy_in_target = result.transfer_points([[120.0, 85.5]])   # (1, 2) pixels
    tgt_on_src = warp_image(result, cv2.imread('cat2.jpg'))  # source frame

Coordinate frames
-----------------
All pixel coordinates are ``(x, y)`` with pixel ``(0, 0)`` at the centre of the
top-left pixel, in the ORIGINAL images (the arrays or files given).

The network input of each image comes from the config's test pipeline:
``ResizePair`` to ``S_w x S_h``, then ``PadPair`` adding ``P`` px on every side
(SFNet's protocol: 288 + 2 * 16 = 320). Every such step is an affine map per
axis, so *original pixel -> network-input pixel* is ``x_in = a * x + b``
(stored as :attr:`CorrespondenceResult.src_to_input` /
:attr:`~CorrespondenceResult.tgt_to_input`). For SFNet's protocol with the
default ``resize_mapping='corners'``::

    x_in = x * (S - 1) / (W - 1) + P

The model's grid ``grid_s2t[y, x]`` says where source feature cell
``(y, x)`` lands in the target, in ``[-1, 1]`` units with the
``align_corners=True`` meaning over the (padded) network input, so a grid value
``g`` is target input pixel ``(g + 1) / 2 * (S + 2P - 1)``; undoing the pad
and the resize gives the target's original pixel::

    x_tgt = ((g + 1) / 2 * (S + 2P - 1) - P) * (W_tgt - 1) / (S - 1)

To read ``g`` for a source pixel, the grid is interpolated bilinearly with
``align_corners=True`` (feature cell ``j`` sits at input pixel
``j * (W_in - 1) / (W_f - 1)``) exactly at that pixel's input position
``x_in``: the same as upsampling the grid to the network-input size and
reading it there, without rounding to input pixels. The padding is undone
exactly (unlike PCKMetric's official SFNet protocol, ``grid_crop=1,
grid_rescale=10/9``, which approximates it by dropping the outer cells).

``resize_mapping`` chooses how a resize maps coordinates: ``'corners'``
(default; the convention of SFNet and of ``transfer_keypoints`` in
``mmcorr/evaluation/metrics/pck_metric.py``) aligns the corner pixels,
``x' = x (S - 1) / (W - 1)``; ``'centres'`` is the mapping ``mmcv.imresize``
(cv2 / pillow) actually samples with, ``x' = (x + 0.5) S / W - 0.5``. They
agree at the image centre and differ by ``0.5 |W / S - 1|`` original pixels
at the borders (0.8 px for 741 -> 288).
"""
import logging
import os
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

from mmcorr.datasets.transforms.pair_transforms import (LoadImagePairFromFile,
                                                        LoadMaskPairFromFile,
                                                        PackPairInputs,
                                                        PadPair, ResizePair,
                                                        read_image_file)
from mmcorr.engine import load_model_checkpoint
from mmcorr.ops import grid_warp
from mmcorr.registry import MODELS, TRANSFORMS

__all__ = [
    'CorrespondenceResult', 'RESIZE_MAPPINGS', 'init_matcher', 'match_images',
    'warp_image', 'resize_axis_affine', 'protocol_affine'
]

RESIZE_MAPPINGS = ('corners', 'centres')
DIRECTIONS = ('s2t', 't2s')
ImageLike = Union[str, os.PathLike, np.ndarray]


# --------------------------------------------------------------- geometry
def resize_axis_affine(src_len: int, dst_len: int,
                       mapping: str = 'corners') -> Tuple[float, float]:
    """``(scale, offset)`` with ``resized = scale * original + offset`` for
    one axis resized from ``src_len`` to ``dst_len`` pixels.

    ``'corners'``: ``(dst - 1) / (src - 1)``, offset 0 (both need >= 2 px);
    ``'centres'``: ``dst / src``, offset ``0.5 * dst / src - 0.5``.
    """
    if mapping not in RESIZE_MAPPINGS:
        raise ValueError(f'resize_mapping must be one of {RESIZE_MAPPINGS}, '
                         f'got {mapping!r}')
    if src_len == dst_len:
        return 1.0, 0.0
    if mapping == 'corners':
        if min(src_len, dst_len) < 2:
            raise ValueError('a corner-aligned resize needs sides of at '
                             f'least 2 px, got {src_len} -> {dst_len}')
        return (dst_len - 1) / (src_len - 1), 0.0
    scale = dst_len / src_len
    return scale, 0.5 * scale - 0.5


def protocol_affine(orig_shape: Sequence[int],
                    resized_shape: Optional[Sequence[int]] = None,
                    pad: int = 0,
                    resize_mapping: str = 'corners') -> np.ndarray:
    """Original pixel -> network-input pixel for "resize, then pad".

    Args:
        orig_shape (tuple): ``(H, W)`` of the original image.
        resized_shape (tuple, optional): ``(S_h, S_w)`` after ``ResizePair``
            (``None``: no resize).
        pad (int): Pixels ``PadPair`` adds on every side.
        resize_mapping (str): ``'corners'`` or ``'centres'``.

    Returns:
        np.ndarray: ``(2, 2)`` float64, rows x and y, columns
        ``(scale, offset)``: ``x_in = A[0, 0] * x + A[0, 1]``.
    """
    height, width = (int(v) for v in orig_shape)
    new_h, new_w = (height, width) if resized_shape is None else \
        (int(v) for v in resized_shape)
    affine = np.array([resize_axis_affine(width, new_w, resize_mapping),
                       resize_axis_affine(height, new_h, resize_mapping)],
                      np.float64)
    affine[:, 1] += pad
    return affine


def _compose(affine: np.ndarray, scale: Sequence[float],
             offset: Sequence[float]) -> np.ndarray:
    """``x -> scale * (A x) + offset`` per axis (x row, y row)."""
    scale, offset = np.asarray(scale, np.float64), np.asarray(offset,
                                                              np.float64)
    return np.stack([affine[:, 0] * scale, affine[:, 1] * scale + offset], 1)


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


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f'direction must be one of {DIRECTIONS}, got '
                         f'{direction!r}')


# ----------------------------------------------------------------- result
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
            images).
        src_to_input (np.ndarray): ``(2, 2)`` float64 affine, original
            source pixel -> network-input pixel (rows x, y; columns
            ``(scale, offset)``; see :func:`protocol_affine`).
        tgt_to_input (np.ndarray): The same for the target.

    Mapped coordinates are float64 ``(x, y)`` pixels of the original
    images; a position outside the network input reads the grid's border
    value.
    """
    grid_s2t: torch.Tensor
    grid_t2s: torch.Tensor
    src_shape: Tuple[int, int]
    tgt_shape: Tuple[int, int]
    input_shape: Tuple[int, int]
    src_to_input: np.ndarray
    tgt_to_input: np.ndarray
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
        for name in ('src_to_input', 'tgt_to_input'):
            affine = np.asarray(getattr(self, name), np.float64)
            if affine.shape != (2, 2) or not np.isfinite(affine).all() or \
                    (affine[:, 0] == 0).any():
                raise ValueError(f'{name} must be a finite (2, 2) affine '
                                 '[[sx, ox], [sy, oy]] with non-zero scales, '
                                 f'got {getattr(self, name)}')
            setattr(self, name, affine)

    # ------------------------------------------------------------ mapping
    def _side(self, direction: str):
        """``(grid, from_affine, to_affine, from_shape, to_shape)``."""
        _check_direction(direction)
        if direction == 's2t':
            return (self.grid_s2t, self.src_to_input, self.tgt_to_input,
                    self.src_shape, self.tgt_shape)
        return (self.grid_t2s, self.tgt_to_input, self.src_to_input,
                self.tgt_shape, self.src_shape)

    def _map(self, points: np.ndarray, direction: str) -> np.ndarray:
        """``(K, 2)`` original pixels of one image -> the other's."""
        grid, from_affine, to_affine, _, _ = self._side(direction)
        extent = np.array([self.input_shape[1] - 1, self.input_shape[0] - 1],
                          np.float64)
        inputs = points * from_affine[:, 0] + from_affine[:, 1]
        normalised = torch.from_numpy(2 * inputs / extent - 1)
        table = grid.detach().to('cpu', torch.float64).permute(2, 0, 1)[None]
        values = grid_warp(table, normalised.view(1, 1, -1, 2),
                           align_corners=True, padding_mode='border')
        g = values[0, :, 0].t().numpy()  # (K, 2) in [-1, 1]
        other_inputs = (g + 1) / 2 * extent
        return (other_inputs - to_affine[:, 1]) / to_affine[:, 0]

    def transfer_points(self, points_xy, direction: str = 's2t') -> np.ndarray:
        """Move points from one original image to the other.

        Args:
            points_xy (array-like): ``(K, 2)`` (or ``(2,)``) ``(x, y)`` float
                pixels of the source (``'s2t'``) or target (``'t2s'``);
                sub-pixel positions are interpolated, not rounded.
            direction (str): ``'s2t'`` (uses ``grid_s2t``) or ``'t2s'``.

        Returns:
            np.ndarray: ``(K, 2)`` float64 ``(x, y)`` pixels of the other
            image (may fall outside it, e.g. into the padded margin).
        """
        return self._map(_as_points(points_xy, 'points_xy'), direction)

    def _dense(self, direction: str) -> np.ndarray:
        key = f'dense_{direction}'
        if key not in self._cache:
            height, width = self._side(direction)[3]
            ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
            points = np.stack([xs.ravel(), ys.ravel()], 1)
            self._cache[key] = self._map(points, direction).reshape(
                height, width, 2)
        return self._cache[key]

    def dense_s2t(self) -> np.ndarray:
        """``(H_src, W_src, 2)`` float64: for every source pixel, the
        ``(x, y)`` target pixel it matches (original target pixels)."""
        return self._dense('s2t')

    def dense_t2s(self) -> np.ndarray:
        """``(H_tgt, W_tgt, 2)`` float64: for every target pixel, the
        ``(x, y)`` source pixel it matches."""
        return self._dense('t2s')

    def _cycle_error(self, direction: str) -> np.ndarray:
        key = f'cycle_{direction}'
        if key not in self._cache:
            forward = self._dense(direction)
            back_direction = 't2s' if direction == 's2t' else 's2t'
            back = self._map(forward.reshape(-1, 2), back_direction)
            height, width = forward.shape[:2]
            ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
            start = np.stack([xs.ravel(), ys.ravel()], 1)
            self._cache[key] = np.linalg.norm(back - start, axis=1).reshape(
                height, width)
        return self._cache[key]

    def confidence_s2t(self) -> np.ndarray:
        """Forward-backward consistency error of every source pixel.

        A source pixel ``p`` goes to the target with ``grid_s2t``
        (:meth:`dense_s2t`) and back with ``grid_t2s`` (interpolated at that
        sub-pixel target position); the result is ``|back(forward(p)) - p|``
        in SOURCE pixels. LOW = confident (0: a perfect cycle).

        Returns:
            np.ndarray: ``(H_src, W_src)`` float64, >= 0.
        """
        return self._cycle_error('s2t')

    def confidence_t2s(self) -> np.ndarray:
        """:meth:`confidence_s2t` for target pixels: ``(H_tgt, W_tgt)``
        float64 cycle error in TARGET pixels, low = confident."""
        return self._cycle_error('t2s')


# -------------------------------------------------------------------- API
def init_matcher(config: Union[str, os.PathLike, Config],
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 cfg_options: Optional[dict] = None,
                 init_weights: bool = False,
                 strict: bool = True) -> torch.nn.Module:
    """Build a correspondence model from a config, load a checkpoint.

    Args:
        config (str | Config): Config file path or loaded config.
        checkpoint (str, optional): Checkpoint path or URL, loaded with
            mmcorr's safe loader (:func:`mmcorr.engine.load_model_checkpoint`).
            ``None``: no weights are loaded.
        device (str): Device to put the model on.
        cfg_options (dict, optional): Overrides merged into the config
            (``{'model.backbone.depth': 18, ...}``).
        init_weights (bool): Run ``model.init_weights()`` (the config's
            ``init_cfg``, e.g. pretrained backbone weights) before loading
            the checkpoint. Off by default, as in mmseg's ``init_model``:
            without it and without a checkpoint the weights are PyTorch's
            default initialisation.
        strict (bool): Refuse a checkpoint whose keys or shapes differ from
            the model's (:class:`~mmcorr.engine.CheckpointMismatchError`
            lists them). ``False`` loads what fits and logs the rest.

    Returns:
        nn.Module: The model in eval mode, with ``model.cfg`` set (used by
        :func:`match_images` for the test pipeline).
    """
    if isinstance(config, (str, os.PathLike)):
        path = os.fspath(config)
        if not os.path.isfile(path):
            raise FileNotFoundError(f'config file {path!r} does not exist')
        config = Config.fromfile(path)
    elif not isinstance(config, Config):
        raise TypeError('config must be a file path or a Config, got '
                        f'{type(config).__name__}')
    else:
        config = config.copy()
    if cfg_options:
        config.merge_from_dict(cfg_options)
    if config.get('model') is None:
        raise KeyError('the config has no `model`')
    init_default_scope(config.get('default_scope', 'mmcorr'))
    model = MODELS.build(config.model)
    if init_weights:
        # mmengine logs every parameter's initialisation at INFO level
        logger = MMLogger.get_current_instance()
        level = logger.level
        logger.setLevel(logging.WARNING)
        try:
            model.init_weights()
        except Exception as error:
            raise RuntimeError(
                f"could not apply the config's init_cfg ({error}); pass a "
                'checkpoint, or set e.g. model.backbone.init_cfg=None') \
                from error
        finally:
            logger.setLevel(level)
    if checkpoint is not None:
        ckpt = load_model_checkpoint(model, checkpoint, strict=strict)
        meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
        if isinstance(meta, dict) and meta.get('dataset_meta'):
            model.dataset_meta = meta['dataset_meta']
    model.cfg = config
    model.to(device)
    model.eval()
    return model


def _load_image(image: ImageLike, name: str) -> np.ndarray:
    """A path or an ``(H, W, 3)`` uint8 BGR array -> the array."""
    if isinstance(image, (str, os.PathLike)):
        path = os.fspath(image)
        if not os.path.isfile(path):
            raise FileNotFoundError(f'{name} image file {path!r} does not '
                                    'exist')
        return read_image_file(path, 'color')
    if not isinstance(image, np.ndarray):
        raise TypeError(f'{name} must be an image path or an (H, W, 3) uint8 '
                        f'BGR array, got {type(image).__name__}')
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f'{name} array must be (H, W, 3) uint8 BGR, got '
                         f'shape {image.shape} dtype {image.dtype}')
    if min(image.shape[:2]) < 2:
        raise ValueError(f'{name} image must be at least 2x2 pixels, got '
                         f'{image.shape[:2]}')
    return image


def _test_pipeline(cfg: Optional[Config]) -> list:
    """The config's test pipeline (``test_pipeline``, else the test / val
    dataloader's), or ``[]``."""
    if cfg is None:
        return []
    if cfg.get('test_pipeline') is not None:
        return list(cfg.test_pipeline)
    for loader in ('test_dataloader', 'val_dataloader'):
        dataset = (cfg.get(loader) or {}).get('dataset') or {}
        if dataset.get('pipeline') is not None:
            return list(dataset['pipeline'])
    return []


def _normalise_size(size) -> Optional[Tuple[int, int]]:
    if size is None:
        return None
    if isinstance(size, int):
        size = (size, size)
    size = tuple(int(v) for v in size)
    if len(size) != 2 or min(size) < 2:
        raise ValueError(f'size must be (W, H) with sides >= 2, got {size}')
    return size


def _geometric_transforms(pipeline: list, size) -> List:
    """Resize / pad steps of the test pipeline (``size`` overrides or adds
    the resize); loading and packing are done by :func:`match_images`."""
    transforms = []
    for step in pipeline:
        transform = TRANSFORMS.build(step) if isinstance(step, dict) else step
        if isinstance(transform, (LoadImagePairFromFile, LoadMaskPairFromFile,
                                  PackPairInputs)):
            continue
        if isinstance(transform, ResizePair):
            if size is not None:
                transform = ResizePair(size, transform.interpolation,
                                       transform.backend)
            transforms.append(transform)
        elif isinstance(transform, PadPair):
            transforms.append(transform)
        else:
            raise ValueError(
                f'match_images can undo ResizePair and PadPair only; the '
                f"config's test pipeline has {type(transform).__name__}")
    if size is not None and not any(
            isinstance(t, ResizePair) for t in transforms):
        transforms.insert(0, ResizePair(size))
    return transforms


def match_images(model: torch.nn.Module,
                 src: ImageLike,
                 tgt: ImageLike,
                 size: Optional[Union[int, Sequence[int]]] = None,
                 resize_mapping: str = 'corners') -> CorrespondenceResult:
    """Match two images with a correspondence model.

    The images go through the geometric steps of ``model.cfg``'s test
    pipeline (``ResizePair``, ``PadPair``, in order), are packed and
    normalised by the model's data preprocessor, and matched with
    ``mode='predict'``.

    Args:
        model (nn.Module): From :func:`init_matcher` (or any model filling
            ``pred_grid_s2t`` / ``pred_grid_t2s``; ``model.cfg`` optional).
        src (str | np.ndarray): Source image path, or ``(H, W, 3)`` uint8
            BGR array.
        tgt (str | np.ndarray): Target image, the same.
        size (int | tuple[int, int], optional): Resize both images to
            ``(W, H)`` (an int: square). Replaces the pipeline's
            ``ResizePair`` scale; needed when the pipeline has none and the
            images differ in size. SemanticFlowMatcher needs network inputs
            (resize + 2 * pad) whose sides are multiples of 32.
        resize_mapping (str): How a resize maps coordinates, ``'corners'``
            or ``'centres'`` (module docstring).

    Returns:
        CorrespondenceResult: Grids on the CPU plus the geometry.

    Raises:
        FileNotFoundError / ValueError: missing or unreadable image files,
            wrong array shapes, unsupported pipelines, missing ``size``.
    """
    if resize_mapping not in RESIZE_MAPPINGS:
        raise ValueError(f'resize_mapping must be one of {RESIZE_MAPPINGS}, '
                         f'got {resize_mapping!r}')
    given = dict(src=src, tgt=tgt)
    images = {side: _load_image(value, side) for side, value in given.items()}
    transforms = _geometric_transforms(
        _test_pipeline(getattr(model, 'cfg', None)), _normalise_size(size))
    if not any(isinstance(t, ResizePair) for t in transforms) and \
            images['src'].shape != images['tgt'].shape:
        raise ValueError(
            f"source {images['src'].shape[:2]} and target "
            f"{images['tgt'].shape[:2]} differ in size and the config's "
            'test pipeline has no ResizePair: pass size=(W, H)')
    results, affines = {}, {}
    for side, img in images.items():
        results[f'{side}_img'] = img
        results[f'{side}_ori_shape'] = img.shape[:2]
        if isinstance(given[side], (str, os.PathLike)):
            results[f'{side}_img_path'] = os.fspath(given[side])
        affines[side] = np.array([[1.0, 0.0], [1.0, 0.0]])
    for transform in transforms:
        before = {s: results[f'{s}_img'].shape[:2] for s in images}
        results = transform(results)
        for side in images:
            (h0, w0), (h1, w1) = before[side], results[f'{side}_img'].shape[:2]
            if isinstance(transform, ResizePair):
                (sx, ox), (sy, oy) = (
                    resize_axis_affine(w0, w1, resize_mapping),
                    resize_axis_affine(h0, h1, resize_mapping))
                affines[side] = _compose(affines[side], (sx, sy), (ox, oy))
            else:  # PadPair
                affines[side] = _compose(affines[side], (1, 1),
                                         (transform.padding, ) * 2)
    packed = PackPairInputs()(results)
    input_shape = tuple(packed['inputs'].shape[-2:])
    data = dict(inputs=[packed['inputs']],
                data_samples=[packed['data_samples']])
    try:
        with torch.no_grad():
            sample = model.test_step(data)[0]
    except RuntimeError as error:
        raise RuntimeError(
            f'the model failed on a {input_shape[0]}x{input_shape[1]} network '
            f'input ({error}); if this is a size mismatch, note that '
            'SemanticFlowMatcher needs sides that are multiples of 32 (pass '
            'size=(W, H))') from error
    grids = {}
    for key in ('pred_grid_s2t', 'pred_grid_t2s'):
        if sample.get(key) is None:
            raise KeyError(f'the model did not predict {key}; match_images '
                           'needs a correspondence model such as '
                           'SemanticFlowMatcher')
        grids[key] = sample.get(key).detach().cpu()
    return CorrespondenceResult(
        grid_s2t=grids['pred_grid_s2t'],
        grid_t2s=grids['pred_grid_t2s'],
        src_shape=images['src'].shape[:2],
        tgt_shape=images['tgt'].shape[:2],
        input_shape=input_shape,
        src_to_input=affines['src'],
        tgt_to_input=affines['tgt'])


def warp_image(result: CorrespondenceResult,
               image_or_mask: np.ndarray,
               direction: str = 't2s',
               mode: Optional[str] = None,
               padding_mode: str = 'zeros') -> np.ndarray:
    """Move an image's content into the other image's frame.

    ``direction`` is the direction the CONTENT moves:

    - ``'t2s'`` (default): ``image_or_mask`` is the target (or a target
      mask); the output is in the source frame: source pixel ``p`` reads the
      target at ``dense_s2t()[p]``.
    - ``'s2t'``: ``image_or_mask`` is the source; the output is in the
      target frame, reading the source at ``dense_t2s()[q]`` (the source
      warped onto the target).

    Sampling is :func:`mmcorr.ops.grid_warp` with ``align_corners=True`` on
    the pixel coordinates, so an identity mapping returns the image.

    Args:
        result (CorrespondenceResult): From :func:`match_images`.
        image_or_mask (np.ndarray): ``(H, W)`` or ``(H, W, C)`` of the
            image being read (target for ``'t2s'``).
        direction (str): ``'t2s'`` or ``'s2t'``.
        mode (str, optional): ``'bilinear'`` or ``'nearest'``. ``None``:
            ``'nearest'`` for 2-D bool / integer arrays (masks, label maps),
            ``'bilinear'`` otherwise.
        padding_mode (str): Value outside the read image: ``'zeros'``,
            ``'border'`` or ``'reflection'``.

    Returns:
        np.ndarray: The warped array, ``(H', W'[, C])`` of the other image,
        in the input's dtype (integers rounded and clipped, bool thresholded
        at 0.5).
    """
    _check_direction(direction)
    array = image_or_mask
    if not isinstance(array, np.ndarray):
        raise TypeError('image_or_mask must be a numpy array, got '
                        f'{type(array).__name__}')
    read_shape = result.tgt_shape if direction == 't2s' else result.src_shape
    if array.ndim not in (2, 3) or tuple(array.shape[:2]) != read_shape:
        which = 'target' if direction == 't2s' else 'source'
        raise ValueError(f"direction={direction!r} reads the {which}: "
                         f'image_or_mask must be {read_shape} or '
                         f'{read_shape} + (C,), got {array.shape}')
    if mode is None:
        discrete = array.dtype == bool or np.issubdtype(array.dtype,
                                                        np.integer)
        mode = 'nearest' if array.ndim == 2 and discrete else 'bilinear'
    coords = result.dense_s2t() if direction == 't2s' else \
        result.dense_t2s()
    extent = np.array([read_shape[1] - 1, read_shape[0] - 1], np.float64)
    grid = torch.from_numpy(2 * coords / extent - 1)[None]
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
