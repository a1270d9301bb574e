# Copyright (c) mmcorr contributors. All rights reserved.
"""MAST's reconstruction loss: a Huber loss on values scaled up."""
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmcorr.registry import MODELS

__all__ = ['ScaledHuberLoss', 'scaled_huber_loss']


def scaled_huber_loss(pred: Tensor, target: Tensor, scale: float = 20.0,
                      beta: float = 1.0) -> Tensor:
    """``mean(smooth_l1(scale * pred, scale * target; beta))``.

    MAST (``compute_lphoto``) uses ``scale=20``, ``beta=1``: quadratic for
    errors under ``beta / scale = 0.05`` (in the normalised Lab units of
    the reconstructed channel), linear above.

    Args:
        pred, target (Tensor): Same shape, e.g. ``[B, 1, H, W]``.

    Returns:
        Tensor: The scalar mean loss.
    """
    if pred.shape != target.shape:
        raise ValueError(f'pred {tuple(pred.shape)} and target '
                         f'{tuple(target.shape)} must have the same shape')
    return F.smooth_l1_loss(pred * scale, target.to(pred.dtype) * scale,
                            beta=beta)


@MODELS.register_module()
class ScaledHuberLoss(nn.Module):
    """:func:`scaled_huber_loss` as a registered loss module.

    Args:
        scale (float): Factor applied to both sides (MAST: 20).
        beta (float): Huber threshold after scaling.
        loss_weight (float): Multiplier of the loss.
        loss_name (str): Key of the loss in the model's loss dict.
    """

    def __init__(self, scale: float = 20.0, beta: float = 1.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_reconstruction'):
        super().__init__()
        self.scale, self.beta = scale, beta
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def forward(self, pred: Tensor, target: Tensor) -> Tensor:
        return self.loss_weight * scaled_huber_loss(pred, target, self.scale,
                                                    self.beta)
