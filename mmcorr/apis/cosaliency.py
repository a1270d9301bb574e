# Copyright (c) mmcorr contributors. All rights reserved.
"""Inference for co-saliency detection models.

.. code-block:: python

    model = init_model('configs/icnet/'
                       'icnet_vgg16_1xg10-60e_coco9213-224x224.py', ckpt)
    maps = detect_cosaliency(model, ['a.jpg', 'b.jpg', 'c.jpg'],
                             sisms=['a.png', 'b.png', 'c.png'])
    # maps[i]: float32 (H_i, W_i) in [0, 1], image i's original size

    # no single-image saliency maps at hand: let the model make them
    model = init_model(config, ckpt, cfg_options={
        'model.sism_model': dict(type='FrequencyTunedSaliency')})
    maps = detect_cosaliency(model, images)

The images of one group go through the config's whole test pipeline as ONE
multi-view sample (a group); without ``sisms`` its ``LoadSaliencyMap`` step
is left out and the model's ``sism_model`` makes them. Each prediction (at
the view's ``img_shape``) is brought back to its image's size by undoing the
recorded resize (``homography_matrix``), the only geometric step a
co-saliency test pipeline has.
"""
import os
from typing import List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.dataset import Compose

from mmcorr.datasets.transforms import (ForEachView, LoadSaliencyMap,
                                        PackMultiViewInputs)
from mmcorr.ops.coordinates import resize_homography
from .inference import (ImageLike, check_task, read_input_image,
                        run_model, test_pipeline)


#: Steps of a view's pipeline that load data and move no pixel.
_LOADING = ('LoadCheckedImage', 'LoadImageFromFile', 'LoadSaliencyMap',
            'LoadBinaryMask', 'LoadAnnotations', 'LoadCheckedAnnotations')


def _steps(pipeline: Compose, kind: type) -> list:
    """``(owner list, transform)`` for every ``kind`` step at the top level
    of ``pipeline`` or inside one of its ``ForEachView`` steps."""
    found = []
    for step in pipeline.transforms:
        inner = step.transforms.transforms if isinstance(
            step, ForEachView) else []
        found += [(inner, t) for t in inner if isinstance(t, kind)]
        if isinstance(step, kind):
            found.append((pipeline.transforms, step))
    return found


def _view_transforms(pipeline: Compose) -> List[str]:
    """Names of the geometric (non-loading) steps of the ForEachView steps,
    for error messages."""
    return [type(t).__name__ for s in pipeline.transforms
            if isinstance(s, ForEachView) for t in s.transforms.transforms
            if type(t).__name__ not in _LOADING]


def _sism_pipeline(pipeline: Compose, with_sisms: bool) -> Optional[str]:
    """Adapt the built test pipeline; returns the results key a given SISM
    goes under (``None`` without SISMs).

    Without SISMs its ``LoadSaliencyMap`` steps are removed, and their keys
    from ``PackMultiViewInputs(extra_inputs=...)``.
    """
    loaders = _steps(pipeline, LoadSaliencyMap)
    packers = [t for _, t in _steps(pipeline, PackMultiViewInputs)]
    if not with_sisms:
        keys = {t.key for _, t in loaders}
        for owner, step in loaders:
            owner.remove(step)
        for pack in packers:
            pack.extra_inputs = tuple(k for k in pack.extra_inputs
                                      if k not in keys)
        return None
    if not loaders:
        raise ValueError(
            "sisms were given but the config's test pipeline has no "
            'LoadSaliencyMap step to read them: add dict(type='
            "'LoadSaliencyMap') after LoadCheckedImage in its ForEachView "
            "and extra_inputs=('sism', ) to PackMultiViewInputs, or pass "
            'sisms=None with a model that has a sism_model')
    key = loaders[0][1].key
    if not any(key in pack.extra_inputs for pack in packers):
        raise ValueError(
            f"the config's test pipeline loads SISMs as {key!r} but its "
            f'PackMultiViewInputs does not pack them: set extra_inputs=('
            f'{key!r}, )')
    return key


def _sism_entry(sism, index: int, key: str, path_key: str) -> dict:
    """A path or an array -> the view keys ``LoadSaliencyMap`` reads (the
    array is checked there: ``(H, W)``, uint8 or float in ``[0, 1]``, the
    image's size)."""
    name = f'sisms[{index}]'
    if isinstance(sism, (str, os.PathLike)):
        path = os.fspath(sism)
        if not os.path.isfile(path):
            raise FileNotFoundError(f'{name}: saliency map file {path!r} '
                                    'does not exist')
        return {path_key: path}
    if not isinstance(sism, np.ndarray):
        raise TypeError(f'{name} must be a saliency map path or an (H, W) '
                        'uint8 (0..255) / float (0..1) array, got '
                        f'{type(sism).__name__}')
    return {key: sism}


def _original_size(pred: np.ndarray, ori: tuple, view, index: int,
                   pipeline: Compose) -> np.ndarray:
    """The prediction at ``img_shape`` -> the image's original size
    ``ori``, by inverting the recorded plain resize."""
    cur = tuple(pred.shape)
    matrix = view.get('homography_matrix')
    if matrix is None:
        if cur != ori:
            raise KeyError(
                f'view {index} is {cur}, its image {ori}, and no '
                "homography_matrix was recorded: the config's test pipeline "
                f'({_view_transforms(pipeline)}) resizes with a transform '
                'that does not record its mapping (use RecordedResize)')
        return pred
    if not np.allclose(np.asarray(matrix, np.float64),
                       resize_homography(ori, cur), rtol=0, atol=1e-6):
        raise NotImplementedError(
            'detect_cosaliency undoes a plain resize (no crop, pad or flip) '
            f"only, but the config's test pipeline view transforms "
            f'{_view_transforms(pipeline)} mapped view {index} from {ori} '
            f'to {cur} with {np.round(matrix, 4).tolist()}: keep only '
            'RecordedResize (keep_ratio=False), as the co-saliency test '
            'configs do')
    if cur == ori:
        return pred
    return cv2.resize(pred, ori[::-1], interpolation=cv2.INTER_LINEAR)


def detect_cosaliency(model: torch.nn.Module,
                      images: Sequence[ImageLike],
                      sisms: Optional[Sequence[ImageLike]] = None
                      ) -> List[np.ndarray]:
    """Co-saliency maps of one group of images.

    Args:
        model (nn.Module): A co-saliency model (``ICNetCoSaliency``) from
            :func:`mmcorr.apis.init_model`, with ``model.cfg`` (its test
            pipeline is applied).
        images (list[str | np.ndarray]): The group (one or more images):
            paths, or ``(H, W, 3)`` uint8 BGR arrays.
        sisms (list[str | np.ndarray], optional): A single-image saliency
            map per image, in the same order: paths (read grey), or ``(H,
            W)`` arrays (uint8 ``0..255`` or float ``0..1``) of the image's
            size. ``None``: the model makes them (``model.sism_model``) and
            the pipeline's ``LoadSaliencyMap`` is skipped.

    Returns:
        list[np.ndarray]: Per image, float32 ``(H, W)`` co-saliency in
        ``[0, 1]`` at the image's original size: the prediction at the
        network input resized back (cv2 bilinear).

    Raises:
        ValueError: an empty group, not one SISM per image, a grey /
            4-channel / non-uint8 array, no SISMs and no ``sism_model``, or a
            test pipeline that cannot take the SISMs.
        TypeError / FileNotFoundError: wrong entries, missing files.
        NotImplementedError: a test pipeline that does more than a plain
            resize (a crop, pad or flip), which a resize cannot undo.
        KeyError: a model that predicts no ``pred_saliency``.
    """
    check_task(model, 'cosaliency', 'detect_cosaliency')
    if isinstance(images, (str, os.PathLike, np.ndarray)) or not \
            isinstance(images, Sequence):
        raise TypeError('images must be a list of image paths or (H, W, 3) '
                        f'uint8 BGR arrays, got {type(images).__name__}')
    if len(images) == 0:
        raise ValueError('images is empty: a group needs at least one image')
    if sisms is not None:
        if isinstance(sisms, (str, os.PathLike, np.ndarray)) or not \
                isinstance(sisms, Sequence):
            raise TypeError('sisms must be None or a list (one saliency map '
                            f'per image), got {type(sisms).__name__}')
        if len(sisms) != len(images):
            raise ValueError(f'{len(sisms)} sisms for {len(images)} images: '
                             'give one saliency map per image, in order')
    views = [dict(zip(('img_path', 'img'),
                      read_input_image(image, f'images[{i}]')))
             for i, image in enumerate(images)]
    if getattr(model, 'cfg', None) is None:
        raise AttributeError('the model has no `cfg` (its config, for the '
                             'test pipeline): build it with '
                             'mmcorr.apis.init_model')
    if sisms is None and getattr(model, 'sism_model', None) is None:
        raise ValueError(
            'no sisms given and the model has no sism_model to make them: '
            'pass sisms (one saliency map per image), or set '
            "model.sism_model, e.g. init_model(config, ckpt, cfg_options="
            "{'model.sism_model': dict(type='FrequencyTunedSaliency')})")
    pipeline = test_pipeline(model.cfg)
    key = _sism_pipeline(pipeline, sisms is not None)
    if sisms is not None:
        path_key = _steps(pipeline, LoadSaliencyMap)[0][1].path_key
        for i, (view, sism) in enumerate(zip(views, sisms)):
            view.update(_sism_entry(sism, i, key, path_key))
    sample = run_model(model, pipeline(dict(views=views)))
    maps = []
    for i, view in enumerate(sample.views):
        if view.get('pred_saliency') is None:
            raise KeyError('the model did not predict pred_saliency; '
                           'detect_cosaliency needs a co-saliency model '
                           'such as ICNetCoSaliency')
        pred = view.pred_saliency.data.detach().float().cpu().numpy()[0]
        full = _original_size(np.ascontiguousarray(pred, np.float32),
                              tuple(views[i]['img'].shape[:2]), view, i,
                              pipeline)
        maps.append(np.clip(full, 0, 1).astype(np.float32, copy=False))
    return maps
