# Copyright (c) mmcorr contributors. All rights reserved.
"""The identity mapping as a matcher: the baseline of correspondence
benchmarks (every point is predicted to stay where it is)."""
from typing import Dict, List, Optional

from torch import Tensor

from mmcorr.ops import identity_grid
from mmcorr.registry import MODELS
from ..multi_view_model import MultiViewModel


@MODELS.register_module()
class IdentityMatcher(MultiViewModel):
    """Predicts the identity grid in both directions.

    Evaluated by the same pipeline and ``PCKMetric`` as a trained matcher,
    it gives the "no matching" baseline: a keypoint at ``(x, y)`` of one
    image is predicted at the same relative position of the other.

    Args:
        grid_size (tuple[int, int], optional): ``(h, w)`` of the predicted
            grids; ``None``: the input size (exact identity in pixels).
        data_preprocessor (dict): A ``MultiViewDataPreprocessor`` config.
    """

    task = 'correspondence'
    num_views = 2

    def __init__(self, grid_size=None,
                 data_preprocessor: Optional[Dict] = None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.grid_size = grid_size

    def _forward(self, views: List[Tensor], extras=None) -> Tensor:
        """The identity grid ``[B, h, w, 2]``."""
        height, width = self.grid_size or views[0].shape[-2:]
        return identity_grid(height, width, views[0].float()).expand(
            len(views[0]), -1, -1, -1)

    def predict(self, views: List[Tensor], data_samples, extras=None):
        grid = self._forward(views)
        return self.write_predictions(
            data_samples, dict(pred_grid_s2t=grid, pred_grid_t2s=grid))

    def loss(self, views, data_samples, extras=None):
        raise ValueError('IdentityMatcher has no loss mode: it has nothing '
                         'to learn (tensor or predict)')

    def train_step(self, *args, **kwargs):
        raise RuntimeError('IdentityMatcher is a baseline with no '
                           'parameters; evaluate it with tools/test.py')
