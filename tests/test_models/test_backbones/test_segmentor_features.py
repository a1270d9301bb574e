# Copyright (c) mmcorr contributors. All rights reserved.
"""SegmentorFeatures: an mmseg backbone + neck (+ decode head) as the
feature extractor of a point-driven model."""
import pytest
import torch

from mmcorr.models.instance.adaptis_segmentor import finest_map
from mmcorr.registry import MODELS

RESNET = dict(type='mmseg.ResNetV1c', depth=18, num_stages=4,
              out_indices=(0, 1, 2, 3), base_channels=8, stem_channels=8,
              norm_cfg=dict(type='BN'))
FPN = dict(type='mmseg.FPN', in_channels=[8, 16, 32, 64],
           out_channels=16, num_outs=4)


def test_with_a_decode_head_one_map():
    model = MODELS.build(dict(
        type='SegmentorFeatures', backbone=RESNET, neck=FPN,
        decode_head=dict(type='mmseg.FPNHead', in_channels=[16] * 4,
                         in_index=[0, 1, 2, 3],
                         feature_strides=[4, 8, 16, 32], channels=12,
                         num_classes=5))).eval()
    out = model(torch.randn(1, 3, 64, 96))
    assert model.out_channels == 12
    assert out.shape == (1, 12, 16, 24)  # the classifier is gone


def test_without_a_decode_head_the_pyramid():
    model = MODELS.build(dict(type='SegmentorFeatures', backbone=RESNET,
                              neck=FPN)).eval()
    out = model(torch.randn(1, 3, 64, 96))
    assert model.out_channels == 16
    assert [tuple(o.shape) for o in out] == [(1, 16, 16, 24), (1, 16, 8, 12),
                                             (1, 16, 4, 6), (1, 16, 2, 3)]
    assert finest_map(out) is out[0]
    assert finest_map(out[1]) is out[1]


def test_needs_a_head_or_a_neck():
    with pytest.raises(ValueError, match='needs a decode_head'):
        MODELS.build(dict(type='SegmentorFeatures', backbone=RESNET))
