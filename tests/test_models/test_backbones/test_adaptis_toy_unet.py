# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS' toy U-Net at any input size, against a height-only crop."""
import pytest
import torch

from mmcorr.models.backbones.adaptis_toy_unet import (AdaptISToyUNet,
                                                      _centre_crop)


@pytest.mark.parametrize('size', [(300, 451), (57, 64), (64, 57), (33, 35),
                                  (64, 64)])
def test_any_size_gives_a_full_resolution_map(size):
    """451 x 300 (skimage's chelsea) failed: its height and width are odd
    at different depths."""
    torch.manual_seed(0)
    net = AdaptISToyUNet(num_stages=3, base_channels=4, max_channels=16)
    net.eval()
    with torch.no_grad():
        out = net(torch.randn(1, 3, *size))
    out = out[-1] if isinstance(out, (list, tuple)) else out
    assert out.shape[-2:] == size


def test_same_as_the_official_crop_where_that_worked():
    """Where both dims need the same treatment (the official code compares
    heights only), the per-dimension crop is the official one."""
    x = torch.arange(2 * 1 * 8 * 10.).view(2, 1, 8, 10)
    assert torch.equal(_centre_crop(x, (7, 9)), x[:, :, 0:7, 0:9])
    assert torch.equal(_centre_crop(x, (8, 10)), x)
    assert torch.equal(_centre_crop(x, (6, 8)), x[:, :, 1:7, 1:9])
