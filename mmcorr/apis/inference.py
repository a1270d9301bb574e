# Copyright (c) mmcorr contributors. All rights reserved.
"""Building a model for inference, for every task (mmseg's ``init_model``)."""
import logging
import os
from typing import Optional, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

from mmcorr.engine import load_model_checkpoint
from mmcorr.registry import MODELS


def load_config(config: Union[str, os.PathLike, Config],
                cfg_options: Optional[dict] = None) -> Config:
    """A config file path or a ``Config`` -> a ``Config`` copy with
    ``cfg_options`` merged (``{'model.backbone.depth': 18, ...}``)."""
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
    return config


def _init_weights(model: torch.nn.Module) -> None:
    # mmengine logs every parameter's initialisation at INFO level
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        model.init_weights()
    except Exception as error:
        raise RuntimeError(
            f"could not apply the config's init_cfg ({error}); pass a "
            'checkpoint, or set e.g. model.backbone.init_cfg=None') from error
    finally:
        logger.setLevel(level)


def init_model(config: Union[str, os.PathLike, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None,
               init_weights: bool = False,
               strict: bool = True) -> torch.nn.Module:
    """Build any mmcorr model from a config and load a checkpoint.

    Args:
        config (str | Config): Config file path or loaded config.
        checkpoint (str, optional): Checkpoint path or URL, loaded with
            mmcorr's safe loader (:func:`mmcorr.engine.load_model_checkpoint`:
            no pickled code runs). ``None``: no weights are loaded.
        device (str): Device to put the model on.
        cfg_options (dict, optional): Overrides merged into the config.
        init_weights (bool): Run ``model.init_weights()`` (the config's
            ``init_cfg``, e.g. pretrained backbone weights) before loading
            the checkpoint. Off by default, as in mmseg's ``init_model``.
        strict (bool): Refuse a checkpoint whose keys or shapes differ from
            the model's (:class:`~mmcorr.engine.CheckpointMismatchError`
            lists them). ``False`` loads what fits and logs the rest.

    Returns:
        nn.Module: The model in eval mode, with ``model.cfg`` (the config)
        and, when the checkpoint has it, ``model.dataset_meta``.
    """
    config = load_config(config, cfg_options)
    if config.get('model') is None:
        raise KeyError('the config has no `model`')
    init_default_scope(config.get('default_scope', 'mmcorr'))
    model = MODELS.build(config.model)
    if init_weights:
        _init_weights(model)
    if checkpoint is not None:
        ckpt = load_model_checkpoint(model, checkpoint, strict=strict)
        meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
        if isinstance(meta, dict) and meta.get('dataset_meta'):
            model.dataset_meta = meta['dataset_meta']
    model.cfg = config
    model.to(device)
    model.eval()
    return model


def test_pipeline(cfg: Config) -> Compose:
    """The config's test pipeline (``test_pipeline``, else the test / val
    dataloader's), built.

    Raises:
        KeyError: if the config has none.
    """
    steps = cfg.get('test_pipeline')
    for loader in ('test_dataloader', 'val_dataloader'):
        if steps is None:
            dataset = (cfg.get(loader) or {}).get('dataset') or {}
            steps = dataset.get('pipeline')
    if steps is None:
        raise KeyError('the config has no test pipeline (test_pipeline or '
                       'test_dataloader.dataset.pipeline)')
    init_default_scope(cfg.get('default_scope', 'mmcorr'))
    return Compose(list(steps))


#: The API of each model task (``MultiViewModel.task``; mmseg segmentors:
#: ``'segmentation'``).
TASK_APIS = {
    'correspondence': 'match_images or CorrespondenceInferencer',
    'cosaliency': 'detect_cosaliency or CoSaliencyInferencer',
    'video': 'propagate_masks or VideoPropagationInferencer',
    'instances': 'segment_instances or PointInstanceInferencer',
    'segmentation': "SegmentationInferencer (mmseg's MMSegInferencer)",
}


def model_task(model: torch.nn.Module) -> str:
    """The task of a built model: its ``task`` attribute, ``'segmentation'``
    for an mmseg segmentor (a ``decode_head``), else ``''``."""
    task = getattr(model, 'task', '')
    if not task and hasattr(model, 'decode_head'):
        task = 'segmentation'
    return task


def check_task(model: torch.nn.Module, task: str, api: str) -> None:
    """Refuse a model of another task up front, naming both and the API
    that fits the model.

    Raises:
        TypeError: ``model_task(model) != task``.
    """
    from mmcorr.models.multi_view_model import MODEL_TASKS
    got = model_task(model)
    if got == task:
        return
    wanted = MODEL_TASKS.get(task, task)
    if got:
        what = MODEL_TASKS.get(got, f'a {got} model')
        hint = f'; for it use {TASK_APIS[got]}' if got in TASK_APIS else ''
    else:
        what, hint = 'not a model mmcorr knows the task of', ''
    raise TypeError(f'{api} needs {wanted}, got {type(model).__name__} '
                    f'({what}){hint}')


#: An image given to an inference API: a path or a BGR uint8 array.
ImageLike = Union[str, os.PathLike, np.ndarray]


def read_input_image(image: ImageLike, name: str = 'image'
                     ) -> Tuple[Optional[str], np.ndarray]:
    """One image given to an inference API: a path (``str`` or
    ``os.PathLike``) or an ``(H, W, 3)`` uint8 BGR array.

    Returns:
        tuple: The path (``None`` for an array) and the ``(H, W, 3)``
        uint8 BGR pixels.

    Raises:
        FileNotFoundError: a missing file, named as ``name``.
        ValueError: an undecodable file, or an array of another shape or
            dtype, or smaller than 2 x 2.
        TypeError: neither a path nor an array.
    """
    if isinstance(image, (str, os.PathLike)):
        path = os.fspath(image)
        if not os.path.isfile(path):
            raise FileNotFoundError(f'{name} image file {path!r} does not '
                                    'exist')
        from mmcorr.datasets.transforms import read_image_file
        return path, read_image_file(path, 'color')
    if not isinstance(image, np.ndarray):
        raise TypeError(f'{name} must be an image path or an (H, W, 3) uint8 '
                        f'BGR array, got {type(image).__name__}')
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f'{name} array must be (H, W, 3) uint8 BGR, got '
                         f'shape {image.shape} dtype {image.dtype}')
    if min(image.shape[:2]) < 2:
        raise ValueError(f'{name} image must be at least 2x2 pixels, got '
                         f'{image.shape[:2]}')
    return None, image
