# Copyright (c) mmcorr contributors. All rights reserved.
"""OHEMCrossEntropyLoss / ohem_keep_mask against closed forms (SFSegNets'
``OhemCrossEntropy2dTensor`` rule; the official code itself is checked in
``tests/test_models/test_decode_heads/test_sfnet_train_step.py``)."""
import math

import pytest
import torch

from mmcorr.models.losses import OHEMCrossEntropyLoss, ohem_keep_mask
from mmcorr.registry import MODELS


def two_class_logits(probs):
    """``[B, 2, 1, W]`` logits whose class-0 softmax is ``probs [B, W]``."""
    p = torch.tensor(probs, dtype=torch.float64)
    logit = torch.log(p) - torch.log1p(-p)
    return torch.stack([logit, torch.zeros_like(logit)], 1)[:, :, None]


def labels(rows):
    return torch.tensor(rows, dtype=torch.long)[:, None]


def test_threshold_decides():
    logits = two_class_logits([[0.2, 0.7, 0.71, 0.9, 0.5]])
    keep = ohem_keep_mask(logits, labels([[0, 0, 0, 0, 0]]), 0.7, 2)
    # p <= 0.7 (0.7 itself kept): three pixels, more than min_kept
    assert keep[0, 0].tolist() == [True, True, False, False, True]


def test_min_kept_decides_inclusively():
    logits = two_class_logits([[0.95, 0.8, 0.9, 0.99, 0.85]])
    keep = ohem_keep_mask(logits, labels([[0, 0, 0, 0, 0]]), 0.7, 3)
    # the 3rd smallest p (0.9) is the threshold, and is kept
    assert keep[0, 0].tolist() == [False, True, True, False, True]


def test_min_kept_counts_over_the_batch():
    logits = two_class_logits([[0.8, 0.9, 0.95], [0.85, 0.99, 0.97]])
    keep = ohem_keep_mask(logits, labels([[0, 0, 0], [0, 0, 0]]), 0.7, 2)
    # the two hardest of the batch, both not per image
    assert keep[:, 0].tolist() == [[True, False, False],
                                   [True, False, False]]


def test_label_class_and_ignore():
    logits = two_class_logits([[0.9, 0.9, 0.2, 0.9]])
    keep = ohem_keep_mask(logits, labels([[0, 1, 255, 1]]), 0.7, 1)
    # p of class 1 is 0.1 for the 2nd and 4th pixel; 255 is never kept
    assert keep[0, 0].tolist() == [False, True, False, True]


def test_fewer_labelled_pixels_than_min_kept_keeps_them_all():
    logits = two_class_logits([[0.99, 0.999, 0.2, 0.9]])
    keep = ohem_keep_mask(logits, labels([[0, 0, 255, 0]]), 0.7, 4)
    assert keep[0, 0].tolist() == [True, True, False, True]


def test_loss_is_the_mean_over_the_kept_pixels():
    probs = [[0.2, 0.7, 0.71, 0.9, 0.5]]
    logits = two_class_logits(probs).requires_grad_()
    loss = MODELS.build(dict(type='OHEMCrossEntropyLoss', thresh=0.7,
                             min_kept=2, loss_weight=2.0))
    assert loss.loss_name == 'loss_ce'
    value = loss(logits, labels([[0, 0, 0, 0, 0]]), ignore_index=255)
    expected = -2.0 * (math.log(0.2) + math.log(0.7) + math.log(0.5)) / 3
    assert value.item() == pytest.approx(expected, rel=1e-12)
    value.backward()
    # the dropped pixels get no gradient
    assert logits.grad[0, :, 0, 2].abs().max() == 0
    assert logits.grad[0, :, 0, 3].abs().max() == 0


def test_no_labelled_pixel_gives_zero():
    logits = two_class_logits([[0.2, 0.9]]).requires_grad_()
    value = OHEMCrossEntropyLoss(min_kept=1)(logits, labels([[255, 255]]))
    assert value.item() == 0
    value.backward()
    assert logits.grad is not None


def test_arguments_checked():
    with pytest.raises(ValueError, match='min_kept'):
        OHEMCrossEntropyLoss(min_kept=0)
    with pytest.raises(ValueError, match='sampler'):
        OHEMCrossEntropyLoss(min_kept=1)(
            torch.zeros(1, 2, 1, 2), torch.zeros(1, 1, 2, dtype=torch.long),
            weight=torch.ones(1, 1, 2))
