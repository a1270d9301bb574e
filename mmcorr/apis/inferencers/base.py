# Copyright (c) mmcorr contributors. All rights reserved.
"""The base of mmcorr's inferencers: mmengine's ``BaseInferencer`` for
multi-view samples.

One input is one sample of the task (a pair of images, a group, a clip, an
image with its clicks); it goes through the config's test pipeline (the
steps that load ground truth left out) and ``model.test_step``, so every
resize is undone the one recorded way (``homography_matrix``). Subclasses
say how an input becomes a results dict (:meth:`_prepare`), how a
prediction becomes plain arrays (:meth:`prediction`) and how it is written
(:meth:`write_prediction`); the task's registered visualizer
(:mod:`mmcorr.visualization.visualizers`) draws it.
"""
import os
import os.path as osp
import warnings
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose, pseudo_collate
from mmengine.infer import BaseInferencer
from mmengine.registry import init_default_scope

from mmcorr.registry import VISUALIZERS
from ..inference import check_task, init_model, load_config, test_pipeline

#: Pipeline steps that load ground truth: left out at inference, where
#: only images (and the prompts the inferencer adds) exist.
GROUND_TRUTH_LOADERS = ('LoadBinaryMask', 'LoadObjectIdMap',
                        'LoadInstanceIds', 'LoadForegroundMask',
                        'LoadAnnotations', 'LoadCheckedAnnotations',
                        'LoadPanopticAnnotations')
#: Steps that draw training-only data (points, crops).
TRAINING_ONLY_STEPS = ('SampleQueryPoints', )


def inference_pipeline(cfg: Config, keep: Sequence[str] = ()) -> Compose:
    """The config's test pipeline without its ground-truth loaders (those
    named in ``keep`` stay), built."""
    pipeline = test_pipeline(cfg)
    drop = set(GROUND_TRUTH_LOADERS + TRAINING_ONLY_STEPS) - set(keep)

    def prune(steps: list) -> None:
        steps[:] = [s for s in steps if type(s).__name__ not in drop]
        for step in steps:
            inner = getattr(getattr(step, 'transforms', None), 'transforms',
                            None)
            if isinstance(inner, list):
                prune(inner)

    prune(pipeline.transforms)
    return pipeline


def one_or_many(inputs, is_whole, what: str) -> list:
    """Inputs whose one sample is itself a folder, a file or a list (a
    group, a clip) -> the list of samples: a path is one sample; a list is
    several when every entry ``is_whole`` (a list or a whole path), else
    one sample of those entries."""
    if isinstance(inputs, (str, os.PathLike)):
        return [inputs]
    if isinstance(inputs, (list, tuple)):
        if inputs and all(isinstance(i, (list, tuple)) or is_whole(i)
                          for i in inputs):
            return list(inputs)
        return [list(inputs)]
    raise TypeError(f'inputs must be {what} or a list of them, got '
                    f'{type(inputs).__name__}')


def per_sample(value, index: int, count: int, name: str, what: str):
    """A call option for sample ``index``: the value itself for one sample,
    its ``index``-th entry for several (it must have ``count``)."""
    if value is None or count == 1:
        return value
    if not isinstance(value, (list, tuple)) or len(value) != count:
        raise ValueError(f'{count} {what}s: {name} must be a list with one '
                         f'entry per {what}')
    return value[index]


def sample_name(source: Any, index: int) -> str:
    """A file-name stem for input ``index``: its path's stem, else
    ``'{index:05d}'``."""
    if isinstance(source, (str, os.PathLike)):
        stem = osp.splitext(osp.basename(osp.normpath(os.fspath(source))))[0]
        if stem:
            return stem
    return f'{index:05d}'


class MultiViewInferencer(BaseInferencer):
    """mmengine's ``BaseInferencer`` for an mmcorr task.

    Args:
        model (str | Config): A config file or a loaded config.
        weights (str, optional): The checkpoint, loaded with mmcorr's safe
            loader (no pickled code runs). ``None`` keeps the config's own
            initialisation (``init_cfg``: e.g. the ImageNet trunk of a
            training-free baseline) and warns.
        device (str): ``'cpu'``, ``'cuda'``, ``'cuda:1'``...
        cfg_options (dict, optional): Overrides merged into the config
            (``{'model.test_cfg.use_flip': False}``).
        fuse_conv_bn (bool): Fold each BatchNorm into the convolution
            applied right before it, where that is exact
            (:func:`mmcorr.models.layers.fuse_conv_bn`), for faster
            inference.
        show_progress (bool): A progress bar over the inputs.

    Calling it::

        result = inferencer(inputs, out_dir='outputs', ...)
        result['predictions']    # one entry per input
        result['visualization']  # one RGB picture (or list) per input

    With ``out_dir`` the predictions go to ``out_dir/pred`` in the field's
    format and the pictures to ``out_dir/vis``.
    """

    #: The ``MultiViewModel.task`` the inferencer serves.
    task: str = ''
    #: The visualizer used when the config names none for this task.
    default_visualizer: dict = {}
    #: Ground-truth loaders the inference pipeline keeps (prompts).
    kept_loaders: Sequence[str] = ()
    visualize_kwargs = {'show', 'wait_time', 'draw_pred'}

    def __init__(self,
                 model: Union[str, os.PathLike, Config],
                 weights: Optional[str] = None,
                 device: str = 'cpu',
                 cfg_options: Optional[dict] = None,
                 fuse_conv_bn: bool = False,
                 show_progress: bool = True) -> None:
        self.fuse_conv_bn = fuse_conv_bn
        cfg = load_config(model, cfg_options)
        init_default_scope(cfg.get('default_scope', 'mmcorr'))
        super().__init__(cfg, weights, device, 'mmcorr', show_progress)

    @classmethod
    def from_model(cls, model: torch.nn.Module, show_progress: bool = False,
                   visualizer: bool = False, caller: Optional[str] = None
                   ) -> 'MultiViewInferencer':
        """An inferencer around a model already built (with ``model.cfg``,
        as :func:`~mmcorr.apis.init_model` sets it), e.g. for the function
        APIs. ``visualizer=False`` skips building one; ``caller`` names
        the API in errors."""
        check_task(model, cls.task, caller or cls.__name__)
        cfg = getattr(model, 'cfg', None)
        if cfg is None:
            raise AttributeError('the model has no `cfg` (its config, for '
                                 'the test pipeline): build it with '
                                 'mmcorr.apis.init_model')
        self = cls.__new__(cls)
        self.fuse_conv_bn = False
        self.scope = 'mmcorr'
        init_default_scope(cfg.get('default_scope', 'mmcorr'))
        self.cfg = cfg
        self.model = model
        self.pipeline = self._init_pipeline(cfg)
        self.collate_fn = pseudo_collate
        self.visualizer = self._init_visualizer(cfg) if visualizer else None
        self.show_progress = show_progress
        return self

    # --- building ---------------------------------------------------------
    def _init_model(self, cfg: ConfigDict, weights: Optional[str],
                    device: str = 'cpu') -> torch.nn.Module:
        if weights is None:
            warnings.warn(
                f'{type(self).__name__}: no checkpoint given, the model '
                "keeps its config's initialisation (init_cfg); pass "
                'weights=... to run a trained model')
        model = init_model(Config(cfg.to_dict()), weights, device,
                           init_weights=weights is None)
        check_task(model, self.task, type(self).__name__)
        if self.fuse_conv_bn:
            from mmcorr.models.layers import fuse_conv_bn
            model = fuse_conv_bn(model)
        return model

    def _init_pipeline(self, cfg: ConfigDict) -> Compose:
        cfg = cfg if isinstance(cfg, Config) else Config(cfg.to_dict())
        return inference_pipeline(cfg, self.kept_loaders)

    def _init_collate(self, cfg: ConfigDict):
        # one input is one multi-view sample; a batch is a list of them
        return pseudo_collate

    def _init_visualizer(self, cfg: ConfigDict):
        vis_cfg = dict(cfg.get('visualizer') or {})
        if not vis_cfg or VISUALIZERS.get(vis_cfg['type']) is None or \
                getattr(VISUALIZERS.get(vis_cfg['type']), 'task',
                        None) != self.task:
            vis_cfg = dict(self.default_visualizer)
        vis_cfg['name'] = f'{type(self).__name__}-{id(self)}'
        vis_cfg.pop('vis_backends', None)
        return VISUALIZERS.build(vis_cfg)

    # --- the pieces each task defines ---------------------------------------
    def prediction(self, sample, item: dict) -> Dict[str, Any]:
        """A predicted data sample -> plain arrays in the input's pixels."""
        raise NotImplementedError

    def write_prediction(self, prediction: dict, name: str,
                         pred_dir: str) -> None:
        """Write one prediction in the field's format under ``pred_dir``."""
        raise NotImplementedError

    # --- mmengine's steps ----------------------------------------------------
    def __call__(self,
                 inputs,
                 return_datasamples: bool = False,
                 batch_size: int = 1,
                 out_dir: str = '',
                 show: bool = False,
                 **kwargs) -> dict:
        """Run the model on ``inputs`` (see the subclass for what one input
        is); ``out_dir`` writes predictions (``pred/``) and pictures
        (``vis/``); ``show`` opens a window per picture."""
        items = self._inputs_to_list(inputs)
        if not items:
            raise ValueError(f'{type(self).__name__}: no input given')
        pre, fwd, vis, post = self._dispatch_kwargs(**kwargs)
        self._num_inputs = len(items)
        self._items = [self._prepare(item, i, **pre)
                       for i, item in enumerate(items)]
        samples = []
        batches = self.preprocess(self._items, batch_size=batch_size)
        if self.show_progress:
            from rich.progress import track
            batches = track(batches, description='Inference',
                            total=-(-len(items) // batch_size))
        for batch in batches:
            samples.extend(self.forward(batch, **fwd))
        predictions = [self.prediction(s, item)
                       for s, item in zip(samples, self._items)]
        pictures = self.visualize(self._items, predictions, show=show,
                                  out_dir=out_dir, **vis)
        if out_dir:
            for item, pred in zip(self._items, predictions):
                self.write_prediction(pred, item['name'],
                                      osp.join(out_dir, 'pred'))
        return dict(
            predictions=samples if return_datasamples else predictions,
            visualization=pictures)

    def _prepare(self, item: Any, index: int, **kwargs) -> dict:
        """One input -> ``dict(name=<file stem>, results=<the multi-view
        results dict the pipeline takes>, ...)`` (plus what
        :meth:`prediction` needs, e.g. the clicks)."""
        raise NotImplementedError

    def preprocess(self, inputs: List[dict], batch_size: int = 1, **kwargs
                   ) -> Iterable:
        packed = (self.pipeline(dict(item['results'])) for item in inputs)
        yield from map(self.collate_fn,
                       self._get_chunk_data(packed, batch_size))

    @torch.no_grad()
    def forward(self, inputs: dict, **kwargs) -> list:
        return self.model.test_step(inputs)

    def visualize(self, inputs: List[dict], preds: List[dict],
                  show: bool = False, out_dir: str = '', wait_time: float = 0,
                  draw_pred: bool = True) -> Optional[List[np.ndarray]]:
        """One RGB picture per input, from the registered visualizer."""
        if self.visualizer is None:
            return None
        pictures = []
        for item, pred in zip(inputs, preds):
            picture = self.visualizer.draw_prediction(
                self.input_images(item), pred)
            if show:
                self.visualizer.show(picture, win_name=item['name'],
                                     wait_time=wait_time)
            if out_dir:
                self.visualizer.save(picture, osp.join(out_dir, 'vis'),
                                     item['name'])
            pictures.append(picture)
        return pictures

    def postprocess(self, preds, visualization, return_datasample=False,
                    **kwargs) -> dict:
        return dict(predictions=preds, visualization=visualization)

    @staticmethod
    def input_images(item: dict) -> List[np.ndarray]:
        """The BGR images of an input, in view order."""
        return [view['img'] for view in item['results']['views']]
