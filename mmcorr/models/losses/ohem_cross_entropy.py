# Copyright (c) mmcorr contributors. All rights reserved.
"""Cross-entropy over the hard pixels of a batch (SFSegNets' OHEM).

lxtGH/SFSegNets trains SFNet and SFNet-Lite with ``OhemCrossEntropy2dTensor``
(``loss.py``): from the pixels of the *whole batch*, keep those whose
probability of the true class is at most a threshold, raised to the
``min_kept``-th smallest probability when fewer pixels are that hard, and
average the cross-entropy over the kept pixels only.

mmseg's ``OHEMPixelSampler`` + ``CrossEntropyLoss`` computes another loss:
its ``min_kept`` counts per image (times the batch size), the threshold is
the (``min_kept`` + 1)-th probability, the comparison is strict, a batch with
fewer labelled pixels than ``min_kept`` loses its most confident pixel, and
the mean runs over *every* pixel (the dropped ones count as zeros), which
scales the loss and its gradient by ``kept / (B * H * W)``. mmseg's
``OhemCrossEntropy`` takes no ``weight`` / ``ignore_index`` arguments from a
decode head and shares the other differences but the last.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmcorr.registry import MODELS


def ohem_keep_mask(seg_logit: Tensor,
                   seg_label: Tensor,
                   thresh: float = 0.7,
                   min_kept: int = 100000,
                   ignore_index: int = 255) -> Tensor:
    """The pixels SFSegNets' OHEM keeps (no gradient).

    ``p`` is the softmax probability of the label class. With fewer labelled
    pixels than ``min_kept`` every labelled pixel is kept; otherwise the
    threshold is ``max(thresh, min_kept-th smallest p)`` over the batch and
    the labelled pixels with ``p <= threshold`` are kept.

    Args:
        seg_logit (Tensor): ``[B, C, H, W]`` logits at the label size.
        seg_label (Tensor): ``[B, H, W]`` int labels, ``ignore_index`` where
            unlabelled.
        thresh (float): Probability at or below which a pixel is hard.
        min_kept (int): Pixels kept at least, counted over the batch.
        ignore_index (int): The unlabelled value.

    Returns:
        Tensor: ``[B, H, W]`` bool.
    """
    with torch.no_grad():
        valid = seg_label != ignore_index
        num_valid = int(valid.sum())
        if num_valid == 0 or min_kept > num_valid:
            return valid
        index = seg_label.masked_fill(~valid, 0).unsqueeze(1)
        prob = seg_logit.softmax(1).gather(1, index).squeeze(1)
        kth = prob[valid].kthvalue(min_kept).values.item()
        return valid & (prob <= max(kth, thresh))


@MODELS.register_module()
class OHEMCrossEntropyLoss(nn.Module):
    """Cross-entropy averaged over the pixels :func:`ohem_keep_mask` keeps.

    For mmseg decode heads *without* a pixel sampler (``sampler=None``):
    ``loss_by_feat`` resizes the logits to the label size and calls
    ``loss(seg_logits, seg_label, weight=None, ignore_index=...)``.

    Args:
        thresh (float): OHEM probability threshold (SFSegNets: 0.7).
        min_kept (int): Pixels kept at least, counted over the whole batch
            (SFSegNets: 10000 for ``--ohem``, 100000 in ``CriterionSFNet``
            for ``--fpn_dsn_loss``). At least 1.
        loss_weight (float): Multiplies the loss.
        loss_name (str): Key of the loss (starts with ``loss_``).
    """

    def __init__(self,
                 thresh: float = 0.7,
                 min_kept: int = 100000,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ce'):
        super().__init__()
        if int(min_kept) < 1:
            raise ValueError(f'min_kept must be at least 1, got {min_kept}')
        self.thresh = float(thresh)
        self.min_kept = int(min_kept)
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight=None,
                ignore_index: int = 255,
                **kwargs) -> Tensor:
        """Scalar loss.

        Args:
            cls_score (Tensor): ``[B, C, H, W]`` logits at the label size.
            label (Tensor): ``[B, H, W]`` int labels.
            weight: Must be ``None`` (this loss selects its own pixels).
            ignore_index (int): The unlabelled value.

        Returns:
            Tensor: The mean cross-entropy of the kept pixels times
            ``loss_weight``; 0 (still attached to ``cls_score``) when no
            pixel is labelled, where SFSegNets returns NaN.
        """
        if weight is not None:
            raise ValueError('OHEMCrossEntropyLoss selects its own pixels; '
                             'build the decode head without a sampler')
        keep = ohem_keep_mask(cls_score, label, self.thresh, self.min_kept,
                              ignore_index)
        if not keep.any():
            return cls_score.sum() * 0
        target = label.masked_fill(~keep, ignore_index)
        return self.loss_weight * F.cross_entropy(
            cls_score, target, ignore_index=ignore_index)

    @property
    def loss_name(self) -> str:
        return self._loss_name
