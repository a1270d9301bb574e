# Copyright (c) mmcorr contributors. All rights reserved.
"""The images of one sample's views when their sizes differ."""
from typing import Iterator, List, Sequence

import torch


class UnevenViews:
    """``N`` tensors ``[C, H_i, W_i]``, one per view, of different sizes.

    A plain holder, deliberately not a ``Sequence``: mmengine's
    ``pseudo_collate`` transposes lists (view ``i`` of every sample would
    end up together) but passes other objects through, so a batch of these
    reaches :class:`~mmcorr.models.MultiViewDataPreprocessor` intact, which
    pads the views to one size.
    """

    def __init__(self, tensors: Sequence[torch.Tensor]):
        self.tensors: List[torch.Tensor] = list(tensors)

    def __len__(self) -> int:
        return len(self.tensors)

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.tensors[index]

    def __iter__(self) -> Iterator[torch.Tensor]:
        return iter(self.tensors)

    def to(self, *args, **kwargs) -> 'UnevenViews':
        return UnevenViews([t.to(*args, **kwargs) for t in self.tensors])

    def __repr__(self) -> str:
        shapes = [tuple(t.shape) for t in self.tensors]
        return f'{type(self).__name__}({shapes})'
