# Copyright (c) mmcorr contributors. All rights reserved.
"""Conv + BN fusion only where exact: the same outputs after fusing, for
plain pairs, for ConvModules in either order, and for whole models."""
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmcv.cnn import fuse_conv_bn as mmcv_fuse_conv_bn
from torch.nn.modules.batchnorm import _BatchNorm

from mmcorr.models.layers import fuse_conv_bn


def randomise_bn(module: nn.Module, seed: int = 0) -> nn.Module:
    """BN statistics and affine parameters worth fusing; eval mode."""
    generator = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, _BatchNorm):
            m.running_mean.copy_(torch.rand(m.num_features,
                                            generator=generator) - 0.5)
            m.running_var.copy_(torch.rand(m.num_features,
                                           generator=generator) + 0.5)
            if m.affine:
                m.weight.data.copy_(torch.rand(m.num_features,
                                               generator=generator) + 0.5)
                m.bias.data.copy_(torch.rand(m.num_features,
                                             generator=generator) - 0.5)
    return module.eval()


def count_bn(module: nn.Module) -> int:
    return sum(isinstance(m, _BatchNorm) for m in module.modules())


def test_a_conv_act_norm_module_is_left_alone():
    """AdaptIS' order: mmcv's fusion changes the output, this one keeps
    it (and fuses the conv-norm-act module)."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, 9, 9)
    for order, bn_left in ((('conv', 'act', 'norm'), 1),
                           (('conv', 'norm', 'act'), 0)):
        block = randomise_bn(ConvModule(3, 4, 3, padding=1, order=order,
                                        norm_cfg=dict(type='BN')))
        expected = block(x)
        fused = fuse_conv_bn(block)
        assert count_bn(fused) == bn_left
        torch.testing.assert_close(fused(x), expected, rtol=0, atol=1e-5)
    wrong = randomise_bn(ConvModule(3, 4, 3, padding=1,
                                    order=('conv', 'act', 'norm'),
                                    norm_cfg=dict(type='BN')))
    expected = wrong(x)
    assert (mmcv_fuse_conv_bn(wrong)(x) - expected).abs().max() > 1e-2


def test_only_adjacent_pairs_in_a_sequence():
    torch.manual_seed(1)
    net = randomise_bn(nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
        nn.Conv2d(4, 4, 1), nn.ReLU(), nn.BatchNorm2d(4)))
    x = torch.randn(1, 3, 8, 8)
    expected = net(x)
    fuse_conv_bn(net)
    assert isinstance(net[1], nn.Identity) and isinstance(net[5],
                                                          nn.BatchNorm2d)
    torch.testing.assert_close(net(x), expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize('name', ['adaptis', 'mast', 'efficientnet'])
def test_whole_models_answer_the_same(name):
    from mmcorr.registry import MODELS
    from mmcorr.utils import register_all_modules
    register_all_modules()
    torch.manual_seed(2)
    if name == 'adaptis':
        model = MODELS.build(dict(type='AdaptISToyUNet', base_channels=8,
                                  max_channels=16, num_stages=2))
        x = torch.randn(1, 3, 32, 32)
    elif name == 'mast':
        model = MODELS.build(dict(type='ResNet18Stride4',
                                  stage_channels=(8, 16, 16, 16)))
        x = torch.randn(1, 3, 32, 32)
    else:
        model = MODELS.build(dict(type='EfficientNetLite', arch='lite0',
                                  out_indices=(2, 4)))
        x = torch.randn(1, 3, 64, 64)
    randomise_bn(model)
    before = count_bn(model)
    with torch.no_grad():
        expected = model(x)
        fused = fuse_conv_bn(model)
        got = fused(x)
    if name == 'adaptis':  # every BN follows a ReLU or is on the input
        assert count_bn(fused) == before
    else:
        assert count_bn(fused) < before
    expected = expected if isinstance(expected, (list, tuple)) else \
        [expected]
    got = got if isinstance(got, (list, tuple)) else [got]
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=1e-4)
