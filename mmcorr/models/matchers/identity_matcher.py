# Copyright (c) mmcorr contributors. All rights reserved.
"""The identity mapping as a matcher: the baseline of correspondence
benchmarks (every point is predicted to stay where it is)."""
from typing import Dict, Optional

from mmengine.model import BaseModel
from torch import Tensor

from mmcorr.ops import identity_grid
from mmcorr.registry import MODELS


@MODELS.register_module()
class IdentityMatcher(BaseModel):
    """Predicts the identity grid in both directions.

    Evaluated by the same pipeline and ``PCKMetric`` as a trained matcher,
    it gives the "no matching" baseline: a keypoint at ``(x, y)`` of one
    image is predicted at the same relative position of the other.

    Args:
        grid_size (tuple[int, int], optional): ``(h, w)`` of the predicted
            grids; ``None``: the input size (exact identity in pixels).
        data_preprocessor (dict): A pair data preprocessor config.
    """

    def __init__(self, grid_size=None,
                 data_preprocessor: Optional[Dict] = None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.grid_size = grid_size

    def forward(self, inputs: Tensor, data_samples=None, mode: str = 'tensor'):
        """``inputs`` ``[B, 2, 3, H, W]``; ``mode`` ``'tensor'`` (the grid
        ``[B, h, w, 2]``) or ``'predict'``."""
        if inputs.dim() != 5 or inputs.shape[1] != 2:
            raise ValueError('inputs must be image pairs [B, 2, 3, H, W], '
                             f'got shape {tuple(inputs.shape)}')
        height, width = self.grid_size or inputs.shape[-2:]
        grid = identity_grid(height, width, inputs.float()).expand(
            len(inputs), -1, -1, -1)
        if mode == 'tensor':
            return grid
        if mode == 'predict':
            for i, sample in enumerate(data_samples):
                sample.pred_grid_s2t = grid[i]
                sample.pred_grid_t2s = grid[i]
            return data_samples
        raise ValueError(f'IdentityMatcher has no {mode!r} mode: it has '
                         'nothing to learn (tensor or predict)')

    def train_step(self, *args, **kwargs):
        raise RuntimeError('IdentityMatcher is a baseline with no '
                           'parameters; evaluate it with tools/test.py')
