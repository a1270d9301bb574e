# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS' normalised focal loss (NFL), sigmoid and softmax forms.

The focal loss down-weights easy pixels by ``(1 - p_t)^gamma``; the
normalised form rescales those weights per map so that they sum to the
number of pixels, which keeps the loss's magnitude (and the gradient
scale) of cross-entropy while the emphasis moves to hard pixels:

    w_i = (1 - p_t,i)^gamma * n / sum_j (1 - p_t,j)^gamma   (detached)
    loss = -sum_i a_i w_i log(p_t,i) / (number of valid pixels)

per map, then averaged over the maps of the batch; ``a_i`` is ``alpha``
on positive and ``1 - alpha`` on negative pixels (sigmoid form only).
As in the official code (``adaptis/model/losses.py``): ignored pixels get
``p_t = 1`` (no loss, no weight); the sigmoid form's ``n`` counts every
pixel of the map, the softmax form's the valid ones; the normaliser is
detached by default.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmcorr.registry import MODELS

__all__ = ['NormalizedFocalLoss', 'normalized_focal_loss']


def _focal_weights(pt: Tensor, gamma: float, count: Tensor, eps: float,
                   detach_normalizer: bool) -> Tensor:
    """``(1 - pt)^gamma`` rescaled to sum to ``count`` per map."""
    beta = (1 - pt)**gamma
    norm = count / (beta.sum(dim=(-2, -1), keepdim=True) + eps)
    return beta * (norm.detach() if detach_normalizer else norm)


def normalized_focal_loss(pred: Tensor,
                          target: Tensor,
                          use_sigmoid: bool = True,
                          gamma: float = 2.0,
                          alpha: float = 0.5,
                          ignore_index: int = 255,
                          detach_normalizer: bool = True,
                          eps: float = None) -> Tensor:
    """The NFL of every map of the batch, ``[N]``.

    Args:
        pred (Tensor): Logits, ``[N, 1, H, W]`` (sigmoid: one map per
            instance) or ``[N, C, H, W]`` (softmax over ``C`` classes).
        target (Tensor): ``[N, H, W]`` (or ``[N, 1, H, W]`` for the
            sigmoid form) integers: sigmoid ``> 0`` positive, ``0``
            negative; softmax the class index; ``ignore_index`` ignored.
        use_sigmoid (bool): The sigmoid (instances) or softmax (semantic)
            form.
        gamma (float): Focal exponent (instances 2, semantics 1 in AdaptIS).
        alpha (float): Weight of positive pixels (sigmoid form; toy 0.5,
            Cityscapes 0.25).
        ignore_index (int): Label of ignored pixels.
        detach_normalizer (bool): Treat the per-map weight normaliser as a
            constant (official).
        eps (float): Stabiliser of the divisions and the log; ``None``:
            the official 1e-12 (sigmoid) or 1e-10 (softmax).

    Returns:
        Tensor: ``[N]``, the loss of each map (0 for a fully ignored one).
    """
    if pred.dim() != 4:
        raise ValueError(f'pred must be [N, C, H, W] logits, got '
                         f'{tuple(pred.shape)}')
    if target.dim() == 4:
        target = target[:, 0]
    if target.shape != (pred.shape[0], *pred.shape[2:]):
        raise ValueError(f'target must be [N, H, W] = '
                         f'{[pred.shape[0], *pred.shape[2:]]}, got '
                         f'{tuple(target.shape)}')
    if use_sigmoid and pred.shape[1] != 1:
        raise ValueError('the sigmoid NFL takes one logit map per sample '
                         f'[N, 1, H, W], got {tuple(pred.shape)}')
    eps = (1e-12 if use_sigmoid else 1e-10) if eps is None else eps
    if pred.dtype in (torch.float16, torch.bfloat16):
        pred = pred.float()  # under autocast: the loss in float32
    valid = target != ignore_index
    if use_sigmoid:
        prob = torch.sigmoid(pred[:, 0])
        positive = target > 0
        pt = torch.where(positive, prob, 1 - prob)
        weight = torch.where(positive, alpha, 1 - alpha).to(pred.dtype)
        count = torch.full_like(prob[:, :1, :1], valid[0].numel())
    else:
        prob = F.softmax(pred, dim=1)
        index = torch.where(valid, target, 0).long()
        pt = prob.gather(1, index[:, None])[:, 0]
        weight = torch.ones_like(pt)
        count = valid.sum(dim=(-2, -1), keepdim=True).to(pred.dtype)
    pt = torch.where(valid, pt, torch.ones_like(pt))
    beta = _focal_weights(pt, gamma, count, eps, detach_normalizer)
    log_pt = torch.log(torch.clamp(pt + eps, max=1.0))
    loss = -(weight * beta * log_pt * valid).sum(dim=(-2, -1))
    return loss / (valid.sum(dim=(-2, -1)) + eps)


@MODELS.register_module()
class NormalizedFocalLoss(nn.Module):
    """:func:`normalized_focal_loss` averaged over the maps, registered.

    Args:
        use_sigmoid, gamma, alpha, ignore_index, detach_normalizer, eps:
            As :func:`normalized_focal_loss`.
        loss_weight (float): Multiplier (AdaptIS' semantic NFL: 0.75... see
            the configs).
        loss_name (str): Key in the model's loss dict.
    """

    def __init__(self,
                 use_sigmoid: bool = True,
                 gamma: float = 2.0,
                 alpha: float = 0.5,
                 ignore_index: int = 255,
                 detach_normalizer: bool = True,
                 eps: float = None,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_nfl'):
        super().__init__()
        self.kwargs = dict(
            use_sigmoid=use_sigmoid,
            gamma=gamma,
            alpha=alpha,
            ignore_index=ignore_index,
            detach_normalizer=detach_normalizer,
            eps=eps)
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def forward(self, pred: Tensor, target: Tensor) -> Tensor:
        return self.loss_weight * normalized_focal_loss(
            pred, target, **self.kwargs).mean()
