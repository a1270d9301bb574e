# Copyright (c) mmcorr contributors. All rights reserved.
"""MAST's scaled Huber loss against its closed form, element by element."""
import pytest
import torch

from mmcorr.models.losses import ScaledHuberLoss, scaled_huber_loss


def closed_form(pred, target, scale, beta):
    """mean over elements of 0.5 d^2 / beta if |d| < beta else |d| -
    beta / 2, with d = scale (pred - target)."""
    total = 0.0
    for p, t in zip(pred.flatten().tolist(), target.flatten().tolist()):
        d = abs(scale * (p - t))
        total += 0.5 * d * d / beta if d < beta else d - 0.5 * beta
    return total / pred.numel()


@pytest.mark.parametrize('scale,beta', [(20.0, 1.0), (1.0, 0.5), (5.0, 2.0)])
def test_equals_the_closed_form(scale, beta):
    torch.manual_seed(0)
    # errors on both sides of the threshold beta / scale
    pred = torch.rand(2, 1, 4, 5, dtype=torch.float64) * 0.2
    target = torch.rand(2, 1, 4, 5, dtype=torch.float64) * 0.2
    expected = closed_form(pred, target, scale, beta)
    assert scaled_huber_loss(pred, target, scale, beta).item() == \
        pytest.approx(expected, rel=1e-12)
    module = ScaledHuberLoss(scale=scale, beta=beta, loss_weight=3.0)
    assert module(pred, target).item() == pytest.approx(3 * expected,
                                                        rel=1e-12)
    assert module.loss_name == 'loss_reconstruction'


def test_quadratic_below_and_linear_above_the_threshold():
    zero = torch.zeros(1, dtype=torch.float64)
    small = torch.full((1, ), 0.01, dtype=torch.float64)  # 0.2 after x20
    large = torch.full((1, ), 0.5, dtype=torch.float64)  # 10 after x20
    assert scaled_huber_loss(small, zero).item() == pytest.approx(0.02)
    assert scaled_huber_loss(large, zero).item() == pytest.approx(9.5)


def test_shapes_must_match():
    with pytest.raises(ValueError, match='same shape'):
        scaled_huber_loss(torch.zeros(2, 3), torch.zeros(3, 2))
