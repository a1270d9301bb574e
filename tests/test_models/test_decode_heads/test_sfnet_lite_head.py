# Copyright (c) mmcorr contributors. All rights reserved.
"""SFNetLiteHead: three levels in, logits at the finest stride; the level
count is checked. (Parity with the official head:
test_sfnet_head_parity.py; one official training step:
test_sfnet_train_step.py.)"""
import pytest
import torch

from mmcorr.models.decode_heads import SFNetLiteHead


def _head(**kwargs):
    return SFNetLiteHead(in_channels=(8, 16, 32), in_index=(0, 1, 2),
                         channels=16, num_classes=5,
                         norm_cfg=dict(type='BN'), **kwargs)


def test_logits_at_the_finest_stride_and_every_branch_trains():
    torch.manual_seed(0)
    head = _head()
    inputs = [torch.randn(2, 8, 32, 40), torch.randn(2, 16, 8, 10),
              torch.randn(2, 32, 4, 5)]
    logits = head(inputs)
    assert logits.shape == (2, 5, 32, 40)
    logits.square().mean().backward()
    for name in ('ppm', 'lateral_convs', 'fam', 'fusion_conv', 'conv_seg'):
        grads = [p.grad for p in getattr(head, name).parameters()]
        assert all(g is not None for g in grads), name
        assert any(g.abs().sum() > 0 for g in grads), name


def test_three_levels_required():
    with pytest.raises(ValueError, match='3 levels'):
        SFNetLiteHead(in_channels=(8, 16), in_index=(0, 1), channels=16,
                      num_classes=5)
