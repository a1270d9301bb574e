# Copyright (c) mmcorr contributors. All rights reserved.
"""AlignSegNeck: shapes, refusals and zero-initialised offsets."""
import pytest
import torch

from mmcorr.models.necks import AlignSegNeck


def test_neck_shapes_and_errors():
    neck = AlignSegNeck(in_channels=(8, 16, 32, 64), channels=16).eval()
    sizes = [(17, 21), (9, 11), (5, 6), (3, 3)]
    feats = [torch.randn(2, c, *s) for c, s in zip((8, 16, 32, 64), sizes)]
    with torch.no_grad():
        d3, d5 = neck(feats)
    assert d3.shape == d5.shape == (2, 16, 17, 21)
    with pytest.raises(ValueError, match='expects 4 backbone maps'):
        neck(feats[:3])
    with pytest.raises(ValueError, match='64 channels'):
        neck(feats[:3] + [torch.randn(2, 32, 3, 3)])
    with pytest.raises(ValueError, match='four backbone levels'):
        AlignSegNeck(in_channels=(8, 16, 32))


def test_neck_init_weights_keeps_offsets_zero():
    neck = AlignSegNeck(
        in_channels=(8, 16, 32, 64),
        channels=16,
        init_cfg=dict(type='Normal', layer='Conv2d', std=1.0))
    neck.init_weights()
    branches = [neck.context.offset] + [
        branch for cab in neck.aggregations
        for branch in (cab.high_offset, cab.low_offset)
    ]
    for branch in branches:
        assert branch[0].conv.weight.abs().sum() > 0  # re-initialised
        assert branch[1].conv.weight.abs().sum() == 0  # zero offsets
