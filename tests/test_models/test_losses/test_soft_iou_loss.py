# Copyright (c) mmcorr contributors. All rights reserved.
"""ICNet's soft IoU loss against its closed form."""
import pytest
import torch

from mmcorr.models.losses import SoftIoULoss, soft_iou_loss
from mmcorr.registry import MODELS


def test_soft_iou_closed_form():
    pred = torch.tensor([[[[0.2, 0.8], [0.5, 1.0]]]])
    target = torch.tensor([[[[0., 1.], [1., 1.]]]])
    inter = 0.0 + 0.8 + 0.5 + 1.0
    union = 0.2 + 1.0 + 1.0 + 1.0
    torch.testing.assert_close(soft_iou_loss(pred, target),
                               torch.tensor(1 - inter / union))


def test_soft_iou_averages_images_and_side_outputs():
    gen = torch.Generator().manual_seed(0)
    sides = [torch.rand(3, 1, 4, 5, generator=gen) for _ in range(4)]
    target = (torch.rand(3, 1, 4, 5, generator=gen) > 0.5).float()
    ratios = [(torch.minimum(s[n], target[n]).sum() /
               torch.maximum(s[n], target[n]).sum())
              for s in sides for n in range(3)]
    expected = 1 - torch.stack(ratios).mean()
    torch.testing.assert_close(soft_iou_loss(sides, target), expected)
    loss = MODELS.build(dict(type='SoftIoULoss', loss_weight=2.0))
    assert isinstance(loss, SoftIoULoss)
    torch.testing.assert_close(loss(sides, target), 2 * expected)


def test_soft_iou_shapes_checked():
    with pytest.raises(ValueError, match=r'\[N, 1, H, W\]'):
        soft_iou_loss(torch.rand(2, 1, 4, 4), torch.rand(2, 2, 4, 4))
