# Copyright (c) mmcorr contributors. All rights reserved.
"""patch_correlation and local_weighted_sum against the sampled windows
they fuse (sample_patches), gradients, bad input."""
import pytest
import torch

from mmcorr.ops import (local_weighted_sum, patch_correlation,
                        sample_patches)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize('size, patch, dilation, align_corners, tile', [
    ((7, 9), 3, 1, True, 4),
    ((7, 9), 5, 2, False, 3),
    ((1, 6), 3, 1, True, 2),  # a size-1 axis
    ((1, 6), 3, 1, False, 16),
    ((12, 10), 5, 1, True, 16),
])
def test_patch_correlation_equals_sampled_windows(size, patch, dilation,
                                                  align_corners, tile):
    g = gen()
    a = torch.randn(2, 4, *size, generator=g, dtype=torch.float64)
    b = torch.randn(2, 4, *size, generator=g, dtype=torch.float64)
    # offsets far outside the map too
    offset = 3 * torch.randn(2, 2, *size, generator=g, dtype=torch.float64)
    expected = (a.unsqueeze(2) * sample_patches(
        b, offset, patch, dilation, align_corners=align_corners)).sum(1)
    out = patch_correlation(a, b, offset, patch, dilation, align_corners,
                            tile=tile)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-12)


def test_patch_correlation_gradients():
    g = gen(1)
    a = torch.randn(1, 2, 4, 5, generator=g, dtype=torch.float64,
                    requires_grad=True)
    b = torch.randn(1, 2, 4, 5, generator=g, dtype=torch.float64,
                    requires_grad=True)
    offset = (torch.rand(1, 2, 4, 5, generator=g, dtype=torch.float64) * 2 -
              1).requires_grad_()
    assert torch.autograd.gradcheck(
        lambda a, b, o: patch_correlation(a, b, o, 3, tile=3), (a, b, offset))


@pytest.mark.parametrize('size, patch, dilation', [((5, 7), 3, 1),
                                                   ((6, 9), 5, 2),
                                                   ((1, 4), 3, 1)])
def test_local_weighted_sum_equals_sampled_windows(size, patch, dilation):
    g = gen(2)
    weights = torch.rand(2, patch, patch, *size, generator=g,
                         dtype=torch.float64, requires_grad=True)
    values = torch.randn(2, 3, *size, generator=g, dtype=torch.float64,
                         requires_grad=True)
    windows = sample_patches(values, None, patch, dilation)
    expected = (windows * weights.flatten(1, 2).unsqueeze(1)).sum(2)
    torch.testing.assert_close(local_weighted_sum(weights, values, dilation),
                               expected, rtol=0, atol=1e-12)
    assert torch.autograd.gradcheck(
        lambda w, v: local_weighted_sum(w, v, dilation, chunk_bytes=64),
        (weights, values))


def test_bad_input():
    a = torch.randn(1, 2, 4, 5)
    with pytest.raises(ValueError, match=r'offset must be \[B, 2, H, W\]'):
        patch_correlation(a, a, torch.zeros(1, 2, 4, 4), 3)
    with pytest.raises(ValueError, match='channel counts differ'):
        patch_correlation(a, torch.randn(1, 3, 4, 5), torch.zeros(1, 2, 4, 5),
                          3)
    with pytest.raises(ValueError, match=r'\[B, P, P, H, W\] over values'):
        local_weighted_sum(torch.rand(1, 3, 3, 4, 4), a)
    with pytest.raises(ValueError, match='odd'):
        local_weighted_sum(torch.rand(1, 2, 2, 4, 5), a)
