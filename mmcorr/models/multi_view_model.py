# Copyright (c) mmcorr contributors. All rights reserved.
"""The base of models whose samples have several views."""
from abc import ABCMeta, abstractmethod
from typing import Dict, List, Optional, Sequence

from mmengine.model import BaseModel
from mmengine.structures import PixelData
from torch import Tensor

from mmcorr.structures import MultiViewDataSample, ViewDataSample

#: The tasks of multi-view models (``MultiViewModel.task``), as sentences.
MODEL_TASKS = {
    'correspondence': 'an image-pair correspondence model',
    'cosaliency': 'a co-saliency model',
    'video': 'a video mask-propagation model',
    'instances': 'a point-driven instance segmentation model',
}

#: Per-view fields that hold maps (wrapped in ``PixelData``).
PIXEL_FIELDS = ('pred_sem_seg', 'seg_logits', 'pred_saliency')


def _unpad(prediction: Tensor, view: ViewDataSample) -> Tensor:
    """``[C, H, W]`` at the padded input size -> ``[C, h, w]`` of the view's
    ``img_shape`` (the preprocessor pads at the bottom and right only)."""
    padded, shape = view.get('batch_input_shape'), view.get('img_shape')
    if padded is None or shape is None or \
            tuple(prediction.shape[-2:]) != tuple(padded):
        return prediction
    return prediction[..., :shape[0], :shape[1]]


class MultiViewModel(BaseModel, metaclass=ABCMeta):
    """Forward modes, the view split and the writing of predictions for
    pairs (matchers), groups (co-saliency), clips (video) and views with
    queries.

    ``forward(inputs, data_samples, mode, extra_inputs)`` takes the output of
    :class:`~mmcorr.models.MultiViewDataPreprocessor`: ``inputs``
    ``[B, N, C, H, W]`` and optional ``extra_inputs`` ``{name: [B, N, c, H,
    W]}``. It splits them into per-view lists (``views[i]`` is
    ``[B, C, H, W]``) and calls

    - ``mode='tensor'``: :meth:`_forward` ``(views, extras)`` -> raw outputs;
    - ``mode='loss'``: :meth:`loss` ``(views, data_samples, extras)`` -> a
      dict of losses;
    - ``mode='predict'``: :meth:`predict` ``(views, data_samples, extras)``
      -> the data samples, filled with :meth:`write_predictions`.

    Attributes:
        num_views (int, optional): The number of views the model takes
            (2 for a matcher); ``None``: any number.
        task (str): What the model does, one of :data:`MODEL_TASKS`: the
            inference APIs and inferencers check it up front.
    """

    num_views: Optional[int] = None
    task: str = ''

    def split_views(self, inputs: Tensor) -> List[Tensor]:
        """``[B, N, C, H, W]`` -> ``N`` tensors ``[B, C, H, W]``."""
        if not isinstance(inputs, Tensor) or inputs.dim() != 5:
            got = tuple(inputs.shape) if hasattr(inputs, 'shape') else \
                type(inputs).__name__
            raise ValueError(f'{type(self).__name__} takes inputs [B, N, C, '
                             f'H, W] (N views), got {got}')
        if self.num_views is not None and inputs.shape[1] != self.num_views:
            raise ValueError(f'{type(self).__name__} takes '
                             f'{self.num_views} views per sample, got '
                             f'{inputs.shape[1]} (inputs '
                             f'{tuple(inputs.shape)})')
        return list(inputs.unbind(1))

    def forward(self, inputs: Tensor,
                data_samples: Optional[Sequence[MultiViewDataSample]] = None,
                mode: str = 'tensor',
                extra_inputs: Optional[Dict[str, Tensor]] = None):
        views = self.split_views(inputs)
        extras = {name: list(value.unbind(1))
                  for name, value in (extra_inputs or {}).items()}
        if mode == 'tensor':
            return self._forward(views, extras)
        if mode == 'loss':
            return self.loss(views, data_samples, extras)
        if mode == 'predict':
            if data_samples is None:
                data_samples = [
                    MultiViewDataSample(
                        views=[ViewDataSample() for _ in views])
                    for _ in range(inputs.shape[0])
                ]
            return self.predict(views, data_samples, extras)
        raise ValueError(f'unknown mode {mode!r}: expected tensor, loss or '
                         'predict')

    @abstractmethod
    def _forward(self, views: List[Tensor], extras: Dict[str, List[Tensor]]):
        """Raw outputs of the network (``mode='tensor'``)."""

    @abstractmethod
    def loss(self, views: List[Tensor],
             data_samples: Sequence[MultiViewDataSample],
             extras: Dict[str, List[Tensor]]) -> Dict[str, Tensor]:
        """A dict of losses (``mode='loss'``)."""

    @abstractmethod
    def predict(self, views: List[Tensor],
                data_samples: Sequence[MultiViewDataSample],
                extras: Dict[str, List[Tensor]]
                ) -> Sequence[MultiViewDataSample]:
        """The data samples with predictions (``mode='predict'``)."""

    @staticmethod
    def write_predictions(data_samples: Sequence[MultiViewDataSample],
                          sample_fields: Optional[Dict[str, Tensor]] = None,
                          view_fields: Optional[Dict[str, Tensor]] = None
                          ) -> Sequence[MultiViewDataSample]:
        """Split batched predictions into the samples.

        Args:
            data_samples: ``B`` samples.
            sample_fields (dict): ``{field: [B, ...]}``, set on each
                container (``pred_grid_s2t``...).
            view_fields (dict): ``{field: [B, N, ...]}``, set on each view;
                ``pred_sem_seg``, ``seg_logits`` and ``pred_saliency``
                (``[C, H, W]`` per view) become ``PixelData``, cropped to the view's
                ``img_shape`` when they cover the padded network input
                (``batch_input_shape``), so that they align with the view's
                ground truth (mmseg's metrics compare them pixel for pixel).

        Returns:
            The same samples.

        Raises:
            ValueError: if a view field's ``N`` is not the sample's number
                of views.
        """
        for i, sample in enumerate(data_samples):
            for name, value in (sample_fields or {}).items():
                setattr(sample, name, value[i])
            for name, value in (view_fields or {}).items():
                if len(value[i]) != len(sample.views):
                    raise ValueError(f'{name}: {len(value[i])} view '
                                     f'predictions for sample {i} with '
                                     f'{len(sample.views)} views')
                for view, pred in zip(sample.views, value[i]):
                    if name in PIXEL_FIELDS:
                        pred = PixelData(data=_unpad(pred, view))
                    setattr(view, name, pred)
        return data_samples
