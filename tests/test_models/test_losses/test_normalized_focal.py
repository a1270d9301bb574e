# Copyright (c) mmcorr contributors. All rights reserved.
"""The normalised focal loss against a pixel-by-pixel reference."""
import math

import pytest
import torch

from mmcorr.models.losses import NormalizedFocalLoss, normalized_focal_loss


def reference(pred, target, sigmoid, gamma, alpha, ignore):
    """The official formulas, one pixel at a time (float64)."""
    out = []
    for n in range(pred.shape[0]):
        pts, valid, weights = [], [], []
        for i in range(pred.shape[2]):
            for j in range(pred.shape[3]):
                label = int(target[n, i, j])
                ok = label != ignore
                if sigmoid:
                    p = 1 / (1 + math.exp(-float(pred[n, 0, i, j])))
                    pt = (p if label > 0 else 1 - p) if ok else 1.0
                    a = alpha if label > 0 else 1 - alpha
                else:
                    logits = pred[n, :, i, j].tolist()
                    z = sum(math.exp(v) for v in logits)
                    pt = math.exp(logits[label]) / z if ok else 1.0
                    a = 1.0
                pts.append(pt)
                valid.append(ok)
                weights.append(a)
        eps = 1e-12 if sigmoid else 1e-10
        count = len(pts) if sigmoid else sum(valid)
        betas = [(1 - pt)**gamma for pt in pts]
        norm = count / (sum(betas) + eps)
        total = sum(-a * b * norm * math.log(min(pt + eps, 1.0))
                    for a, b, pt, ok in zip(weights, betas, pts, valid)
                    if ok)
        out.append(total / (sum(valid) + eps))
    return torch.tensor(out, dtype=torch.float64)


@pytest.mark.parametrize('sigmoid,classes', [(True, 1), (False, 3)])
def test_matches_the_pixel_reference(sigmoid, classes):
    gen = torch.Generator().manual_seed(0)
    pred = torch.randn(3, classes, 4, 5, generator=gen,
                       dtype=torch.float64) * 2
    high = 2 if sigmoid else classes
    target = torch.randint(0, high, (3, 4, 5), generator=gen)
    target[0, 0, :2] = 255
    ours = normalized_focal_loss(pred, target, use_sigmoid=sigmoid,
                                 gamma=2.0, alpha=0.25)
    want = reference(pred, target, sigmoid, 2.0, 0.25, 255)
    assert torch.allclose(ours, want, rtol=1e-9)


def test_ignored_map_gives_zero_and_module_averages():
    pred = torch.randn(2, 1, 3, 3, dtype=torch.float64)
    target = torch.zeros(2, 3, 3, dtype=torch.long)
    target[0] = 255
    per_map = normalized_focal_loss(pred, target)
    assert per_map[0] == 0
    module = NormalizedFocalLoss(loss_weight=0.5, loss_name='loss_x')
    assert module.loss_name == 'loss_x'
    assert torch.isclose(module(pred, target), 0.5 * per_map.mean())


def test_normaliser_is_detached_by_default():
    pred = torch.randn(1, 1, 4, 4, dtype=torch.float64, requires_grad=True)
    target = torch.randint(0, 2, (1, 4, 4))
    grads = []
    for detach in (True, False):
        pred.grad = None
        normalized_focal_loss(pred, target,
                              detach_normalizer=detach).sum().backward()
        grads.append(pred.grad.clone())
    assert not torch.allclose(grads[0], grads[1])


def test_bad_shapes():
    with pytest.raises(ValueError, match='one logit map'):
        normalized_focal_loss(torch.zeros(1, 2, 3, 3),
                              torch.zeros(1, 3, 3, dtype=torch.long))
    with pytest.raises(ValueError, match='target must be'):
        normalized_focal_loss(torch.zeros(1, 1, 3, 3),
                              torch.zeros(2, 3, 3, dtype=torch.long))
