# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS' proposal loss: labels by hand, the adaptive threshold, and its
state in the checkpoint."""
import torch

from mmcorr.models.losses import (AdaptISProposalLoss, mask_iou,
                                  proposal_targets)


def test_mask_iou_by_hand():
    pred = torch.zeros(2, 2, 3, dtype=torch.bool)
    target = torch.zeros(2, 2, 3, dtype=torch.bool)
    pred[0, 0, :2] = True
    target[0, 0, 1:] = True
    ignore = torch.zeros_like(pred)
    iou = mask_iou(pred, target, ignore)
    assert iou[0] == 1 / 3 and iou[1] == -1  # empty union


def test_proposal_targets_by_hand():
    iou = torch.tensor([0.9, 0.5, 0.1, 0.8], dtype=torch.float64)
    inside = torch.ones(4, dtype=torch.float64)
    labels = proposal_targets(iou, inside)
    # 30th percentile of [0.1, 0.5, 0.8, 0.9] (linear) = 0.46; x 0.95
    # = 0.437: points 0, 1, 3 positive, ranked from 0.5 .. 0.9
    assert labels[2] == 0
    assert torch.allclose(labels[[0, 1, 3]],
                          torch.tensor([1.0, 0.7, 0.7 + 0.3 * 0.75],
                                       dtype=torch.float64))
    # all within 0.1: threshold 0.99 x min -> all positive
    close = proposal_targets(torch.tensor([0.5, 0.55]).double(),
                             torch.ones(2).double())
    assert (close >= 0.7).all()
    # an empty mask or nothing found: the image is ignored
    assert (proposal_targets(torch.tensor([-1.0, 0.5]).double(),
                             torch.ones(2).double()) == -1).all()


def test_threshold_adapts_and_is_saved():
    loss = AdaptISProposalLoss()
    logits = torch.full((1, 4, 6, 6), -3.0)
    # prob 0.34 on the object rows: found at 0.325, missed at 0.35
    logits[..., :3, :] = torch.logit(torch.tensor(0.34))
    masks = torch.zeros(1, 4, 6, 6, dtype=torch.long)
    masks[..., :3, :] = 1
    scores = torch.zeros(1, 4, requires_grad=True)
    value = loss(logits, scores, masks)
    assert float(loss.threshold) == 0.99 * 0.35 + 0.01 * 0.325
    value.backward()
    assert scores.grad is not None
    state = loss.state_dict()
    assert 'threshold' in state
    fresh = AdaptISProposalLoss()
    fresh.load_state_dict(state)
    assert float(fresh.threshold) == float(loss.threshold)
