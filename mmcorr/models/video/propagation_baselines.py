# Copyright (c) mmcorr contributors. All rights reserved.
"""Baselines of mask propagation, run through the same test code as MAST.

- :class:`FirstMaskCopy`: every frame gets the first frame's mask (what a
  tracker scores when nothing moves).
- :class:`LabPixelKeys`: an encoder without weights, the Lab pixels
  averaged over ``stride x stride`` cells, times ``scale``: used as
  ``MASTVideoSegmentor(backbone=dict(type='LabPixelKeys'),
  key_channels=None)`` it propagates with raw colour similarity in place
  of learned features (the other baseline of self-supervised trackers).
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmcorr.registry import MODELS
from ..multi_view_model import MultiViewModel

__all__ = ['FirstMaskCopy', 'LabPixelKeys']


@MODELS.register_module()
class LabPixelKeys(BaseModule):
    """Lab pixels as keys: ``[B, 3, H, W]`` -> ``[B, 3, ceil(H/s),
    ceil(W/s)]``, the mean of each ``s x s`` cell times ``scale``.

    Args:
        stride (int): Cell side, in pixels (MAST's key stride: 4).
        scale (float): Multiplies the keys, i.e. the inverse square root of
            the softmax temperature of their dot products.
        init_cfg: Unused (no parameters); accepted as every backbone's.
    """

    def __init__(self, stride: int = 4, scale: float = 1.0, init_cfg=None):
        super().__init__(init_cfg)
        self.stride, self.scale = stride, scale
        self.out_channels = 3

    def forward(self, x: Tensor) -> Tuple[Tensor]:
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError('LabPixelKeys takes [B, 3, H, W] Lab frames, got '
                             f'{tuple(x.shape)}')
        return (self.scale * F.avg_pool2d(
            x, self.stride, ceil_mode=True, count_include_pad=False), )


@MODELS.register_module()
class FirstMaskCopy(MultiViewModel):
    """Predict the first frame's mask (void 255 as background) for every
    frame of a clip. No parameters and nothing to train."""

    task = 'video'

    def _forward(self, views: List[Tensor], extras: Dict[str, List[Tensor]]):
        return views

    def propagate(self, frames: Sequence[Tensor], first_labels: Tensor,
                  num_labels: Optional[int] = None) -> List[Tensor]:
        """MAST's ``propagate`` interface: ``N`` copies of the ``[B, 1, H,
        W]`` first labels (int64)."""
        return [first_labels.long()] * len(frames)

    def loss(self, views, data_samples, extras=None):
        raise RuntimeError('FirstMaskCopy has nothing to train: test it '
                           'with tools/test.py CONFIG none')

    def predict(self, views: List[Tensor], data_samples, extras=None):
        masks = []
        for b, sample in enumerate(data_samples):
            gt = sample.views[0].get('gt_sem_seg')
            if gt is None:
                raise ValueError(f'sample {b}: FirstMaskCopy needs the first '
                                 "frame's gt_sem_seg")
            first = torch.where(gt.data == 255, 0, gt.data)
            masks.append(torch.stack([first] * len(views)))
        return self.write_predictions(
            data_samples, view_fields=dict(pred_sem_seg=torch.stack(masks)))
