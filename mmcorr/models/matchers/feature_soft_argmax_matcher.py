# Copyright (c) mmcorr contributors. All rights reserved.
"""Training-free matching on a pretrained trunk: the baseline that tells
what a correspondence method adds to the features it starts from."""
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from mmcorr.ops import (global_correlation, kernel_soft_argmax,
                        transpose_correlation)
from mmcorr.registry import MODELS
from ..multi_view_model import MultiViewModel

__all__ = ['FeatureSoftArgmaxMatcher']


@MODELS.register_module()
class FeatureSoftArgmaxMatcher(MultiViewModel):
    """Cosine similarity of pretrained features, a softmax, the expected
    position: no layer of its own, nothing trained.

    Each backbone output is L2-normalised over channels, resized (bilinear,
    ``align_corners=False``) to the first output's grid and concatenated;
    every source cell's feature is compared with every target cell's by
    cosine similarity (:func:`~mmcorr.ops.global_correlation`), and the
    soft argmax with temperature ``beta`` (no kernel: ``kernel_sigma``
    None) gives where it lands (:func:`~mmcorr.ops.kernel_soft_argmax`), in
    both directions. The predictions are grids as every matcher's, so
    ``PCKMetric`` scores it as it scores SFNet.

    Args:
        backbone (dict): A registered trunk returning a tuple of maps, with
            its pretrained ``init_cfg`` (test with ``tools/test.py CONFIG
            init``).
        beta (float): Softmax temperature on the cosine similarity.
        kernel_sigma (float, optional): SFNet's Gaussian kernel around the
            arg-max (None: plain soft argmax).
        data_preprocessor (dict): A ``MultiViewDataPreprocessor`` config.
    """

    task = 'correspondence'
    num_views = 2

    def __init__(self,
                 backbone: Dict,
                 beta: float = 50.0,
                 kernel_sigma: Optional[float] = None,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.backbone.requires_grad_(False)
        self.beta, self.kernel_sigma = beta, kernel_sigma

    def extract_feat(self, images: Tensor) -> Tensor:
        """``[B, 3, H, W]`` -> ``[B, sum C_i, h, w]`` on the first tap's
        grid, each tap unit-norm per cell."""
        taps = self.backbone(images)
        size = taps[0].shape[-2:]
        return torch.cat([
            F.interpolate(F.normalize(t, dim=1), size=size, mode='bilinear',
                          align_corners=False)
            if t.shape[-2:] != size else F.normalize(t, dim=1) for t in taps
        ], dim=1)

    def _forward(self, views: List[Tensor], extras=None) -> Dict[str, Tensor]:
        src, tgt = self.extract_feat(views[0]), self.extract_feat(views[1])
        corr = global_correlation(src, tgt, normalize=True)
        grid_s2t, _ = kernel_soft_argmax(corr, tgt.shape[-2:], self.beta,
                                         self.kernel_sigma)
        grid_t2s, _ = kernel_soft_argmax(
            transpose_correlation(corr, tgt.shape[-2:]), src.shape[-2:],
            self.beta, self.kernel_sigma)
        return dict(grid_s2t=grid_s2t, grid_t2s=grid_t2s)

    def predict(self, views: List[Tensor], data_samples, extras=None):
        out = self._forward(views)
        return self.write_predictions(
            data_samples, dict(pred_grid_s2t=out['grid_s2t'],
                               pred_grid_t2s=out['grid_t2s']))

    def loss(self, views, data_samples, extras=None):
        raise ValueError('FeatureSoftArgmaxMatcher is training-free: it has '
                         'no loss (predict or tensor)')

    def train_step(self, *args, **kwargs):
        raise RuntimeError('FeatureSoftArgmaxMatcher is a training-free '
                           'baseline; evaluate it with tools/test.py CONFIG '
                           'init')
