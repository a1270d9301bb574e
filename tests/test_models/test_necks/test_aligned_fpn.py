# Copyright (c) mmcorr contributors. All rights reserved.
"""AlignedFPN: with zero flow, mmseg's FPN with bilinear upsampling."""
import pytest
import torch
from flow_alignment_fixtures import zero_flow
from mmseg.models.necks import FPN

from mmcorr.models.necks import AlignedFPN


def test_aligned_fpn_with_zero_flow_equals_bilinear_fpn():
    in_channels = [8, 16, 32]
    fpn = FPN(in_channels, 8, 4, upsample_cfg=dict(mode='bilinear',
                                                  align_corners=True))
    aligned = AlignedFPN(in_channels, 8, 4, fam_cfg=dict(align_corners=True))
    aligned.load_state_dict(fpn.state_dict(), strict=False)
    for fam in aligned.fams:
        zero_flow(fam)
    inputs = [torch.randn(2, c, 16 // 2**i, 20 // 2**i)
              for i, c in enumerate(in_channels)]
    for a, b in zip(aligned(inputs), fpn(inputs)):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5)
    assert len(aligned(inputs)) == 4
    with pytest.raises(ValueError, match='expects 3 inputs'):
        aligned(inputs[:2])
    with pytest.raises(ValueError, match='add_extra_convs'):
        AlignedFPN(in_channels, 8, 4, add_extra_convs='on_input')
