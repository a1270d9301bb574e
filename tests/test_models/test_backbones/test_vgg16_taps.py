# Copyright (c) mmcorr contributors. All rights reserved.
"""VGG16PrePoolTaps: torchvision's layer indices (so ImageNet weights load
by index), the five pre-pooling taps, and the vgg16_bn variant."""
import torch
import torch.nn as nn

from mmcorr.models.backbones.vgg16_taps import VGG16PrePoolTaps

#: torchvision vgg16().features / vgg16_bn().features: max-pool indices
POOLS = {False: [4, 9, 16, 23], True: [6, 13, 23, 33]}


def test_layer_indices_follow_torchvision():
    for with_bn in (False, True):
        model = VGG16PrePoolTaps(norm_cfg=dict(type='BN') if with_bn
                                 else None)
        pools = [i for i, m in enumerate(model.features)
                 if isinstance(m, nn.MaxPool2d)]
        assert pools == POOLS[with_bn]
        convs = [i for i, m in enumerate(model.features)
                 if isinstance(m, nn.Conv2d)]
        assert len(convs) == 13
        if with_bn:  # conv, BN, ReLU
            assert all(isinstance(model.features[i + 1], nn.BatchNorm2d)
                       for i in convs)
        assert not any(isinstance(m, nn.BatchNorm2d)
                       for m in VGG16PrePoolTaps().modules())


def test_taps_are_before_pooling():
    model = VGG16PrePoolTaps().eval()
    x = torch.randn(1, 3, 64, 64)
    outs = model(x)
    assert [tuple(o.shape[1:]) for o in outs] == [
        (64, 64, 64), (128, 32, 32), (256, 16, 16), (512, 8, 8), (512, 4, 4)]
    # tap k equals running the layers up to the ReLU after the stage's last
    # conv, by hand
    y = x
    for layer in model.features[:POOLS[False][1]]:
        y = layer(y)
    torch.testing.assert_close(outs[1], y)
