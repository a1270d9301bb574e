# Copyright (c) mmcorr contributors. All rights reserved.
"""AlignSeg's blocks: CAB (aligned feature aggregation), CAM (aligned
context module) and RRB (residual refinement block)."""
import pytest
import torch
import torch.nn.functional as F
from alignseg_fixtures import randn

from mmcorr.models.layers import (AlignedContextModule,
                                  AlignedFeatureAggregation,
                                  ResidualRefinementBlock)


@pytest.mark.parametrize('align_corners', [True, False])
def test_cab_starts_as_upsample_plus_low(align_corners):
    """Zero offsets + 'pixel': exactly low + bilinear(high)."""
    cab = AlignedFeatureAggregation(
        8,
        grid_convention='pixel',
        align_corners=align_corners,
        init_cfg=dict(type='Normal', layer='Conv2d', std=1.0)).double()
    cab.init_weights()  # re-randomises every conv, then zeroes the offsets
    assert cab.high_offset[0].conv.weight.abs().sum() > 0
    cab.eval()
    low, high = randn(2, 8, 11, 13), randn(2, 8, 6, 7)
    expected = low + F.interpolate(
        high, size=(11, 13), mode='bilinear', align_corners=align_corners)
    torch.testing.assert_close(cab(low, high), expected, rtol=0, atol=1e-12)


def test_cab_legacy_convention_is_not_identity_at_zero_offset():
    cab = AlignedFeatureAggregation(
        4, grid_convention='alignseg_legacy').double().eval()
    low = randn(1, 4, 9, 9)
    diff = cab(low, torch.zeros(1, 4, 5, 5, dtype=torch.float64)) - low
    assert diff.abs().max() > 1e-2  # the official half-pixel stretch


def test_cab_errors():
    cab = AlignedFeatureAggregation(8)
    with pytest.raises(ValueError, match='high feature must have 8 channels'):
        cab(torch.zeros(1, 8, 8, 8), torch.zeros(1, 4, 4, 4))
    with pytest.raises(ValueError, match='batch sizes differ'):
        cab(torch.zeros(2, 8, 8, 8), torch.zeros(1, 8, 4, 4))
    with pytest.raises(ValueError, match=r'\[B, C, H, W\]'):
        cab(torch.zeros(8, 8, 8), torch.zeros(1, 8, 4, 4))
    with pytest.raises(ValueError, match='grid_convention'):
        AlignedFeatureAggregation(8, grid_convention='sfnet_legacy')


def test_cam_starts_as_upsampled_context_plus_adapt():
    cam = AlignedContextModule(16, 8, grid_convention='pixel').double().eval()
    x = randn(2, 16, 7, 10)
    context = cam.context(cam.pool(x))
    assert context.shape == (2, 8, 3, 3)
    expected = F.interpolate(
        context, size=(7, 10), mode='bilinear',
        align_corners=True) + cam.adapt(x)
    torch.testing.assert_close(cam(x), expected, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match='16 channels'):
        cam(randn(2, 8, 7, 10))


def test_rrb_shape_and_errors():
    rrb = ResidualRefinementBlock(12, 16)
    assert rrb(torch.randn(2, 12, 5, 6)).shape == (2, 16, 5, 6)
    with pytest.raises(ValueError, match='RRB input must have 12 channels'):
        rrb(torch.randn(2, 16, 5, 6))
    with pytest.raises(ValueError, match='divisible'):
        ResidualRefinementBlock(12, 18)
