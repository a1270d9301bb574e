# Copyright (c) mmcorr contributors. All rights reserved.
"""Fold BatchNorm into the convolution before it, only where that is exact.

mmcv's ``fuse_conv_bn`` fuses a BN child into the last Conv2d child seen
before it, whatever sits between (an activation) and whatever order a
``ConvModule`` applies its layers in: AdaptIS' blocks are ``ConvModule`` s
with ``order=('conv', 'act', 'norm')``, whose BN follows a ReLU, and
fusing it changes their output. This version fuses (with mmcv's per-pair
``_fuse_conv_bn``):

- a ``ConvModule`` whose ``order`` puts ``'norm'`` right after ``'conv'``;
- elsewhere, a BN child that directly follows a ``Conv2d`` child (the
  registration order standing for the forward order, as in mmcv and in
  every ``nn.Sequential``); any other child in between stops the pair.

Each fused BN becomes ``nn.Identity``. For inference only (eval mode).
"""
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmcv.cnn.utils.fuse_conv_bn import _fuse_conv_bn
from torch.nn.modules.batchnorm import _BatchNorm

__all__ = ['fuse_conv_bn']


def _fuse_conv_module(module: ConvModule) -> None:
    order = tuple(module.order)
    if not module.with_norm or not isinstance(module.norm, _BatchNorm) or \
            not isinstance(module.conv, nn.Conv2d) or \
            order.index('norm') != order.index('conv') + 1:
        return
    module.conv = _fuse_conv_bn(module.conv, module.norm)
    module._modules[module.norm_name] = nn.Identity()


def fuse_conv_bn(module: nn.Module) -> nn.Module:
    """Fuse, in place, each Conv2d + BatchNorm pair that is applied one
    right after the other; returns ``module``."""
    if isinstance(module, ConvModule):
        _fuse_conv_module(module)
        return module
    previous = None
    for name, child in list(module.named_children()):
        if isinstance(child, _BatchNorm) and previous is not None:
            conv_name, conv = previous
            module._modules[conv_name] = _fuse_conv_bn(conv, child)
            module._modules[name] = nn.Identity()
            previous = None
        elif isinstance(child, nn.Conv2d):
            previous = (name, child)
        else:
            previous = None
            fuse_conv_bn(child)
    return module
