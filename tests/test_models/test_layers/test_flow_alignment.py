# Copyright (c) mmcorr contributors. All rights reserved.
"""SFNet's flow alignment modules: FAM and the gated dual FAM."""
import pytest
import torch
from flow_alignment_fixtures import zero_flow

from mmcorr.models.layers import (FlowAlignmentModule,
                                  GatedDualFlowAlignmentModule)


def test_fam_with_zero_flow_upsamples_high():
    fam = zero_flow(FlowAlignmentModule(8, 4, align_corners=True))
    low, high = torch.randn(2, 8, 12, 10), torch.randn(2, 8, 6, 5)
    expected = torch.nn.functional.interpolate(
        high, size=(12, 10), mode='bilinear', align_corners=True)
    torch.testing.assert_close(fam(low, high), expected, rtol=0, atol=1e-5)
    assert fam.predict_flow(low, high).shape == (2, 2, 12, 10)


def test_gated_dual_fam_with_zero_flow_and_gate_averages():
    fam = zero_flow(GatedDualFlowAlignmentModule(8, 4, align_corners=True))
    torch.nn.init.zeros_(fam.gate_conv.weight)
    low, high = torch.randn(1, 8, 8, 8), torch.randn(1, 8, 4, 4)
    up = torch.nn.functional.interpolate(high, size=(8, 8), mode='bilinear',
                                         align_corners=True)
    torch.testing.assert_close(fam(low, high), 0.5 * up + 0.5 * low, rtol=0,
                               atol=1e-5)


def test_fam_flow_moves_features():
    fam = zero_flow(FlowAlignmentModule(4, 2))
    low, high = torch.randn(1, 4, 8, 8), torch.randn(1, 4, 8, 8)
    before = fam(low, high)
    torch.nn.init.normal_(fam.flow_conv.weight)
    assert not torch.allclose(fam(low, high), before)


def test_fam_bad_input():
    fam = FlowAlignmentModule(8, 4)
    with pytest.raises(ValueError, match=r'high must be \[B, 8, H, W\]'):
        fam(torch.randn(1, 8, 4, 4), torch.randn(1, 6, 2, 2))
    with pytest.raises(ValueError, match='batch sizes differ'):
        fam(torch.randn(2, 8, 4, 4), torch.randn(1, 8, 2, 2))
