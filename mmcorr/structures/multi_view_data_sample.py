# Copyright (c) mmcorr contributors. All rights reserved.
"""The data sample of any number of views: pairs, groups, clips."""
from typing import Iterator, List, Sequence

import torch
from mmengine.structures import BaseDataElement

from .fields import forget_refused_field, tensor_check, typed_field
from .view_data_sample import ViewDataSample

_VALID = tensor_check((None, ), 'one flag per keypoint', torch.bool)
_GRID = tensor_check((None, None, 2), '[Hf, Wf, 2], x then y in [-1, 1] units')


class MultiViewDataSample(BaseDataElement):
    """A list of per-view samples plus what relates the views.

    Follows mmdet 3.x's ``TrackDataSample``: the views are
    :class:`ViewDataSample` s in order (``sample.views``, ``sample[i]``,
    ``len(sample)``); image pairs are the two-view case, with
    :attr:`source` and :attr:`target` for ``views[0]`` and ``views[1]``.
    Image groups (co-saliency), video clips (one view per frame) and images
    with point queries use the same container.

    Cross-view data fields (all optional):

    - ``gt_keypoint_valid`` (bool Tensor ``[K]``): whether keypoint row
      ``k`` is annotated in every view (``False`` for padding rows).
    - ``pred_grid_s2t`` (Tensor ``[Hf, Wf, 2]``): for each cell of the
      SOURCE's feature grid, where it lands in the TARGET, normalised over
      the target's network input with the ``align_corners=True`` meaning
      (``-1`` and ``1`` are the centres of the first and last pixels), x
      first.
    - ``pred_grid_t2s`` (Tensor ``[Hf, Wf, 2]``): the same from the target
      into the source.

    Metainfo holds what all views share (``sample_idx``, ``category``,
    ``pair_index``...); per-view metainfo lives on each view.

    Examples:
        >>> views = [ViewDataSample(metainfo=dict(img_shape=(64, 64)))
        ...          for _ in range(2)]
        >>> sample = MultiViewDataSample(views=views)
        >>> sample.source.gt_keypoints = torch.tensor([[10., 20.]])
        >>> sample.pred_grid_t2s = torch.zeros(8, 8, 2)
        >>> len(sample), 'pred_grid_t2s' in sample
        (2, True)
    """

    gt_keypoint_valid = typed_field('gt_keypoint_valid', torch.Tensor,
                                    _VALID, 'bool [K], False for padding')
    pred_grid_s2t = typed_field('pred_grid_s2t', torch.Tensor, _GRID,
                                'source grid -> target, [Hf, Wf, 2]')
    pred_grid_t2s = typed_field('pred_grid_t2s', torch.Tensor, _GRID,
                                'target grid -> source, [Hf, Wf, 2]')

    # ----------------------------------------------------------- the views
    @property
    def views(self) -> List[ViewDataSample]:
        """The per-view samples, in order."""
        return self._views

    @views.setter
    def views(self, value: Sequence[ViewDataSample]) -> None:
        try:
            self._check_views(value)
        except (TypeError, ValueError):
            forget_refused_field(self, 'views', '_views')
            raise
        self.set_field(list(value), '_views', dtype=list)

    @staticmethod
    def _check_views(value: Sequence[ViewDataSample]) -> None:
        if isinstance(value, ViewDataSample) or not isinstance(
                value, (list, tuple)):
            raise TypeError('views must be a list of ViewDataSample, got '
                            f'{type(value).__name__}')
        bad = [type(v).__name__ for v in value
               if not isinstance(v, ViewDataSample)]
        if bad:
            raise TypeError(f'views must be ViewDataSample, got {bad}')
        if not value:
            raise ValueError('a multi-view sample needs at least one view '
                             '(got an empty group)')

    @views.deleter
    def views(self) -> None:
        del self._views

    def __len__(self) -> int:
        return len(self.views) if '_views' in self._data_fields else 0

    def __getitem__(self, index: int) -> ViewDataSample:
        return self.views[index]

    def __iter__(self) -> Iterator[ViewDataSample]:
        return iter(self.views)

    def _pair_view(self, index: int, name: str) -> ViewDataSample:
        if len(self) != 2:
            raise AttributeError(f'{name} is defined for image pairs; this '
                                 f'sample has {len(self)} views')
        return self.views[index]

    @property
    def source(self) -> ViewDataSample:
        """``views[0]`` of an image pair."""
        return self._pair_view(0, 'source')

    @property
    def target(self) -> ViewDataSample:
        """``views[1]`` of an image pair."""
        return self._pair_view(1, 'target')

    # --------------------------------------------- tensor-like conversions
    def _with_views(self, new: 'MultiViewDataSample', method: str, *args,
                    **kwargs) -> 'MultiViewDataSample':
        if '_views' in self._data_fields:
            new.views = [getattr(v, method)(*args, **kwargs)
                         for v in self.views]
        return new

    def to(self, *args, **kwargs) -> 'MultiViewDataSample':
        return self._with_views(super().to(*args, **kwargs), 'to', *args,
                                **kwargs)

    def cpu(self) -> 'MultiViewDataSample':
        return self._with_views(super().cpu(), 'cpu')

    def cuda(self) -> 'MultiViewDataSample':
        return self._with_views(super().cuda(), 'cuda')

    def detach(self) -> 'MultiViewDataSample':
        return self._with_views(super().detach(), 'detach')

    def numpy(self) -> 'MultiViewDataSample':
        return self._with_views(super().numpy(), 'numpy')

    def to_tensor(self) -> 'MultiViewDataSample':
        return self._with_views(super().to_tensor(), 'to_tensor')

    def clone(self) -> 'MultiViewDataSample':
        return self._with_views(super().clone(), 'clone')

    def to_dict(self) -> dict:
        """Plain dicts all the way down: ``views`` is a list of dicts."""
        out = super().to_dict()
        if '_views' in self._data_fields:
            out['views'] = [v.to_dict() for v in self.views]
        return out
