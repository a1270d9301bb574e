# Copyright (c) mmcorr contributors. All rights reserved.
"""A co-saliency test pipeline with or without given single-image saliency
maps (SISMs): without them its ``LoadSaliencyMap`` steps go and the model's
``sism_model`` makes the maps."""
import copy
import os
from typing import Tuple

import numpy as np
from mmengine.dataset import Compose

from mmcorr.datasets.transforms import (ForEachView, LoadSaliencyMap,
                                        PackMultiViewInputs)


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


def sism_loader(pipeline: Compose) -> Tuple[str, str]:
    """The results keys a given SISM goes under: ``(key, path_key)`` of the
    pipeline's ``LoadSaliencyMap``.

    Raises:
        ValueError: the pipeline has no ``LoadSaliencyMap``, or does not
            pack what it loads.
    """
    loaders = _steps(pipeline, LoadSaliencyMap)
    if not loaders:
        raise ValueError(
            "sisms were given but the config's test pipeline has no "
            'LoadSaliencyMap step to read them: add dict(type='
            "'LoadSaliencyMap') after LoadCheckedImage in its ForEachView "
            "and extra_inputs=('sism', ) to PackMultiViewInputs, or pass "
            'sisms=None with a model that has a sism_model')
    loader = loaders[0][1]
    packers = [t for _, t in _steps(pipeline, PackMultiViewInputs)]
    if not any(loader.key in pack.extra_inputs for pack in packers):
        raise ValueError(
            f"the config's test pipeline loads SISMs as {loader.key!r} but "
            f'its PackMultiViewInputs does not pack them: set extra_inputs=('
            f'{loader.key!r}, )')
    return loader.key, loader.path_key


def adapt_sism_pipeline(pipeline: Compose, with_sisms: bool) -> Compose:
    """The pipeline for a group with (itself, checked) or without SISMs (a
    copy without its ``LoadSaliencyMap`` steps and their packed keys)."""
    if with_sisms:
        sism_loader(pipeline)
        return pipeline
    pipeline = copy.deepcopy(pipeline)
    loaders = _steps(pipeline, LoadSaliencyMap)
    keys = {t.key for _, t in loaders}
    for owner, step in loaders:
        owner.remove(step)
    for _, pack in _steps(pipeline, PackMultiViewInputs):
        pack.extra_inputs = tuple(k for k in pack.extra_inputs
                                  if k not in keys)
    return pipeline


def sism_entry(sism, name: str, key: str, path_key: str) -> dict:
    """A path or an array -> the view keys ``LoadSaliencyMap`` reads (the
    array is checked there: ``(H, W)``, uint8 or float in ``[0, 1]``, the
    image's size)."""
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
