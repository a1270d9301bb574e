# Copyright (c) mmcorr contributors. All rights reserved.
"""ResNetV1cCeilPool: AlignSeg's ResNet-V1c with a ceil-mode stem pool."""
import torch
from mmseg.models.backbones import ResNetV1c

from mmcorr.models.backbones import ResNetV1cCeilPool


def small_backbones():
    kwargs = dict(depth=18, stem_channels=16, base_channels=8)
    ceil, floor = ResNetV1cCeilPool(**kwargs), ResNetV1c(**kwargs)
    floor.load_state_dict(ceil.state_dict(), strict=True)  # same keys
    ceil.eval()  # (mmseg's ResNet.train returns None: no chaining)
    floor.eval()
    return ceil, floor


def test_ceil_pool_backbone():
    ceil, floor = small_backbones()
    assert ceil.maxpool.ceil_mode and not floor.maxpool.ceil_mode
    with torch.no_grad():
        # even stem output (64): the ceil-mode pool adds a row and a column
        assert ceil(torch.randn(1, 3, 128, 128))[0].shape[2:] == (33, 33)
        assert floor(torch.randn(1, 3, 128, 128))[0].shape[2:] == (32, 32)
        # odd stem output (49 x 65): both round the same way, same numbers
        x = torch.randn(1, 3, 97, 129)
        for a, b in zip(ceil(x), floor(x)):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
