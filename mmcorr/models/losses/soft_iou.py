# Copyright (c) mmcorr contributors. All rights reserved.
"""The soft IoU loss of ICNet (Jin et al., NeurIPS 2020, Eq. 3)."""
from typing import Sequence, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmcorr.registry import MODELS


def soft_iou_loss(preds: Union[Tensor, Sequence[Tensor]],
                  target: Tensor) -> Tensor:
    """``1 - mean(sum min(p, g) / sum max(p, g))`` over images and maps.

    Args:
        preds (Tensor | list[Tensor]): ``[N, C, H, W]`` maps in ``[0, 1]``
            (or a list of ``[N, 1, H, W]``, e.g. side outputs), each
            compared with ``target``.
        target (Tensor): ``[N, 1, H, W]`` ground truth in ``[0, 1]``.

    Returns:
        Tensor: The scalar loss. Where a map and its target are both zero
        everywhere the ratio is undefined (as in the official code);
        sigmoid predictions are never zero. A pixel whose prediction equals
        its target (e.g. a float32 sigmoid saturated at 1 on a foreground
        pixel) passes no gradient to the prediction, as in the official
        ``IoU_loss``.
    """
    if not isinstance(preds, Tensor):
        preds = torch.cat(list(preds), dim=1)
    if preds.dim() != 4 or target.dim() != 4 or target.shape[1] != 1 or \
            preds.shape[0] != target.shape[0] or \
            preds.shape[-2:] != target.shape[-2:]:
        raise ValueError(f'preds must be [N, C, H, W] and target [N, 1, H, '
                         f'W], got {tuple(preds.shape)} and '
                         f'{tuple(target.shape)}')
    target = target.to(preds.dtype)
    # min and max as the official code takes them (torch.where): where a
    # prediction equals its target both pick the target, so the prediction
    # gets no gradient there (torch.minimum / maximum would give it half)
    inter = torch.where(preds < target, preds, target).flatten(2).sum(2)
    union = torch.where(preds > target, preds, target).flatten(2).sum(2)
    return 1 - (inter / union).mean()


@MODELS.register_module()
class SoftIoULoss(nn.Module):
    """:func:`soft_iou_loss` times ``loss_weight``."""

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, preds, target: Tensor) -> Tensor:
        return self.loss_weight * soft_iou_loss(preds, target)
