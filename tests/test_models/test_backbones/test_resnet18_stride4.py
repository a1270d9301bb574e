# Copyright (c) mmcorr contributors. All rights reserved.
"""MAST's stride-4 ResNet-18: shapes, mmseg blocks, and why mmseg's
ResNet cannot stand in for it."""
import pytest
import torch
from mmseg.models.backbones import ResNet
from mmseg.models.backbones.resnet import BasicBlock

from mmcorr.models.backbones import ResNet18Stride4


@pytest.mark.parametrize('size, out', [((96, 128), (24, 32)),
                                       ((37, 50), (10, 13))])
def test_stride_4_and_256_channels(size, out):
    model = ResNet18Stride4().eval()
    with torch.no_grad():
        feat, = model(torch.randn(1, 3, *size))
    assert feat.shape == (1, 256, *out)


def test_stages_are_mmseg_basic_blocks_with_projections():
    model = ResNet18Stride4()
    blocks = [m for m in model.modules() if isinstance(m, BasicBlock)]
    assert len(blocks) == 8
    # projections where the width or stride changes: layer2.0, layer3.0
    assert [name for name, m in model.named_modules()
            if name.endswith('downsample')] == ['layer2.0.downsample',
                                                'layer3.0.downsample']
    assert not hasattr(model, 'maxpool')


def test_mmseg_resnet18_differs():
    mmseg = ResNet(depth=18, strides=(1, 2, 1, 1), dilations=(1, 1, 1, 1))
    assert mmseg.layer4[0].conv1.out_channels == 512  # MAST: 256
    assert isinstance(mmseg.maxpool, torch.nn.MaxPool2d)  # MAST: none


def test_channel_count_is_checked():
    with pytest.raises(ValueError, match=r'takes \[B, 3, H, W\]'):
        ResNet18Stride4()(torch.randn(1, 4, 16, 16))
