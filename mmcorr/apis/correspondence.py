# Copyright (c) mmcorr contributors. All rights reserved.
"""Inference for dense correspondence models.

.. code-block:: python

    model = init_model('configs/sfnet_corr/'
                       'sfnet-corr_r101_pf-pascal-test-320x320.py', ckpt)
    result = match_images(model, 'cat1.jpg', 'cat2.jpg')
    xy_in_target = result.transfer_points([[120.0, 85.5]])  # (1, 2) pixels
    tgt_on_src = warp_image(result, cv2.imread('cat2.jpg'),
                            image_of='target')  # in the source's frame

The images go through the config's whole test pipeline; every geometric
step records its pixel mapping (``homography_matrix``), which
:class:`~mmcorr.structures.CorrespondenceResult` undoes exactly, so all
coordinates are pixels of the images given (:mod:`mmcorr.ops.coordinates`).
"""
from typing import Optional

import numpy as np
import torch

from mmcorr.ops import grid_warp
from mmcorr.ops.coordinates import normalize_coords
from mmcorr.structures import CorrespondenceResult
from mmcorr.structures.correspondence_result import check_image_name
from .inference import (ImageLike, check_task, read_input_image,
                        run_model, test_pipeline)



def _view(image: ImageLike, name: str) -> dict:
    """A path or an ``(H, W, 3)`` uint8 BGR array -> a view results dict
    (the pixels are passed as ``img``; the loading step keeps them)."""
    path, pixels = read_input_image(image, name)
    return dict(img_path=path, img=pixels)


def match_images(model: torch.nn.Module, source: ImageLike,
                 target: ImageLike) -> CorrespondenceResult:
    """Match two images with a correspondence model.

    Args:
        model (nn.Module): From :func:`mmcorr.apis.init_model`, with
            ``model.cfg`` (its test pipeline is applied).
        source (str | np.ndarray): Source image path, or ``(H, W, 3)``
            uint8 BGR array.
        target (str | np.ndarray): Target image, the same.

    Returns:
        CorrespondenceResult: Grids on the CPU plus each image's recorded
        mapping to the network input.

    Raises:
        FileNotFoundError / ValueError / TypeError: missing or unreadable
            files, wrong arrays; ``KeyError`` if the model predicts no grids
            or a view's pipeline records no mapping.
    """
    check_task(model, 'correspondence', 'match_images')
    views = [_view(source, 'source'), _view(target, 'target')]
    if getattr(model, 'cfg', None) is None:
        raise AttributeError('the model has no `cfg` (its config, for the '
                             'test pipeline): build it with '
                             'mmcorr.apis.init_model')
    pipeline = test_pipeline(model.cfg)
    sample = run_model(model, pipeline(dict(views=views)))
    grids = {}
    for key in ('pred_grid_s2t', 'pred_grid_t2s'):
        if sample.get(key) is None:
            raise KeyError(f'the model did not predict {key}; match_images '
                           'needs a correspondence model such as '
                           'SemanticFlowMatcher')
        grids[key] = sample.get(key).detach().cpu()
    matrices = []
    for name, view in zip(('source', 'target'), sample.views):
        if view.get('homography_matrix') is None:
            raise KeyError(f'the {name} view has no homography_matrix: the '
                           "config's test pipeline resizes with a transform "
                           'that does not record its mapping (use '
                           'RecordedResize / RecordedPad)')
        matrices.append(view.homography_matrix)
    return CorrespondenceResult(
        grid_s2t=grids['pred_grid_s2t'],
        grid_t2s=grids['pred_grid_t2s'],
        src_shape=views[0]['img'].shape[:2],
        tgt_shape=views[1]['img'].shape[:2],
        input_shape=sample.views[0].batch_input_shape,
        src_homography=matrices[0],
        tgt_homography=matrices[1])


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
