# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS' proposal loss: which points of an object make good queries.

In the second training stage every image gets many query points on ONE
object. Each point is scored by how well the (frozen) instance head
segments the object from it: ``IoU(mask at an adaptive threshold, object)
x mean probability inside the object``. Points above ``0.95 x`` the 30th
percentile of their image's scores are positives, with soft labels
``0.7 + 0.3 x`` (their normalised score); the rest are negatives; the
proposal head's logits at the points learn these labels by binary
cross-entropy (``adaptis/model/losses.py::AdaptISProposalsLossIoU``).

The mask threshold adapts during training as in the official
``AdaptiveIoU`` metric: each batch it tries ``t - 0.025`` and ``t + 0.025``
and moves ``t`` a hundredth of the way to the best of the three; it is a
buffer, saved in checkpoints and restored on resume.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmcorr.registry import MODELS

__all__ = ['AdaptISProposalLoss', 'mask_iou', 'proposal_targets']


def mask_iou(pred: Tensor, target: Tensor, ignore: Tensor) -> Tensor:
    """IoU of boolean masks ``[N, H, W]`` -> ``[N]``, ignored pixels of
    ``pred`` dropped; ``-1`` where the union is empty."""
    pred = pred & ~ignore
    union = (pred | target).flatten(1).sum(1)
    inter = (pred & target).flatten(1).sum(1)
    iou = inter.double() / union.clamp(min=1).double()
    return torch.where(union > 0, iou, torch.full_like(iou, -1.0))


def proposal_targets(iou: Tensor, prob_score: Tensor,
                     bad_percentile: float = 30.0) -> Tensor:
    """Soft labels of the points of one object, ``[K]`` -> ``[K]``.

    Args:
        iou (Tensor): ``[K]`` IoU of each point's mask (``-1``: empty).
        prob_score (Tensor): ``[K]`` mean probability inside the object.
        bad_percentile (float): Scores below ``0.95 x`` this percentile
            are negatives (``0.99 x`` the minimum when all IoUs lie within
            0.1 of each other).

    Returns:
        Tensor: ``[K]`` float64 labels in ``[0, 1]``, or all ``-1``
        (ignored) when a mask is empty or no point finds the object.
    """
    if bool((iou < 0).any()) or float(iou.max()) < 1e-5:
        return torch.full_like(iou, -1.0)
    score = iou * prob_score
    if float(iou.max() - iou.min()) > 0.1:
        threshold = 0.95 * torch.quantile(score, bad_percentile / 100)
    else:
        threshold = 0.99 * score.min()
    good = score > threshold
    labels = good.to(score.dtype)
    low, high = score[good].min(), score[good].max()
    if float(high - low) > 1e-3:
        labels[good] = 0.7 + 0.3 * (score[good] - low) / (high - low)
    return labels


@MODELS.register_module()
class AdaptISProposalLoss(nn.Module):
    """Binary cross-entropy of proposal logits against IoU-ranked labels.

    Args:
        init_threshold (float): Initial mask threshold (official 0.35).
        threshold_step (float): Step tried each way per batch.
        threshold_momentum (float): EMA weight of the old threshold.
        bad_percentile (float): See :func:`proposal_targets`.
        ignore_index (int): Ignored pixels of the object masks.
        loss_weight (float): Multiplier.
        loss_name (str): Key in the model's loss dict.
    """

    def __init__(self,
                 init_threshold: float = 0.35,
                 threshold_step: float = 0.025,
                 threshold_momentum: float = 0.99,
                 bad_percentile: float = 30.0,
                 ignore_index: int = 255,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_proposal'):
        super().__init__()
        self.register_buffer('threshold',
                             torch.tensor(float(init_threshold),
                                          dtype=torch.float64))
        self.threshold_step = threshold_step
        self.threshold_momentum = threshold_momentum
        self.bad_percentile = bad_percentile
        self.ignore_index = ignore_index
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    @torch.no_grad()
    def update_threshold(self, prob: Tensor, target: Tensor,
                         ignore: Tensor) -> None:
        """One step of the adaptive threshold (official ``AdaptiveIoU``)."""
        if not bool(target.any()):
            return

        def mean_iou(t):
            iou = mask_iou(prob > t, target, ignore)
            return iou[iou >= 0].mean()

        current = float(self.threshold)
        best, best_iou = current, mean_iou(current)
        for t in (current - self.threshold_step,
                  current + self.threshold_step):
            iou = mean_iou(t)
            if iou > best_iou:
                best, best_iou = t, iou
        m = self.threshold_momentum
        self.threshold.fill_(m * current + (1 - m) * best)

    def forward(self, instance_logits: Tensor, proposal_logits: Tensor,
                object_masks: Tensor) -> Tensor:
        """
        Args:
            instance_logits (Tensor): ``[B, K, H, W]``, the instance head's
                logits for ``K`` points on one object per image.
            proposal_logits (Tensor): ``[B, K]``, the proposal head at the
                points.
            object_masks (Tensor): ``[B, K, H, W]`` integer targets (``> 0``
                object, ``0`` background, ``ignore_index`` ignored).

        Returns:
            Tensor: The scalar loss (ignored images count as zeros in the
            mean, as in the official code).
        """
        if instance_logits.shape != object_masks.shape or \
                proposal_logits.shape != instance_logits.shape[:2]:
            raise ValueError(
                'expected instance_logits [B, K, H, W], proposal_logits '
                '[B, K] and object_masks [B, K, H, W], got '
                f'{tuple(instance_logits.shape)}, '
                f'{tuple(proposal_logits.shape)} and '
                f'{tuple(object_masks.shape)}')
        batch, points = proposal_logits.shape
        if proposal_logits.dtype in (torch.float16, torch.bfloat16):
            proposal_logits = proposal_logits.float()  # under autocast
        with torch.no_grad():
            prob = torch.sigmoid(instance_logits.detach()).flatten(0, 1)
            masks = object_masks.flatten(0, 1)
            ignore = masks == self.ignore_index
            target = (masks > 0) & ~ignore
            self.update_threshold(prob, target, ignore)
            iou = mask_iou(prob > float(self.threshold), target,
                           ignore).view(batch, points)
            inside = (prob * target).flatten(1).sum(1) / \
                target.flatten(1).sum(1).clamp(min=1)
            inside = inside.double().view(batch, points)
            labels = torch.stack([
                proposal_targets(iou[b], inside[b], self.bad_percentile)
                for b in range(batch)
            ])
        valid = labels >= 0
        labels = labels.clamp(min=0).to(proposal_logits.dtype)
        loss = F.binary_cross_entropy_with_logits(
            proposal_logits, labels, reduction='none')
        return self.loss_weight * (loss * valid).mean()
