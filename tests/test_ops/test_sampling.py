# Copyright (c) mmcorr contributors. All rights reserved.
import itertools

import pytest
import torch
import torch.nn.functional as F
from references import bilinear

from mmcorr.ops import (finite_checks, local_correlation, sample_patches,
                        window_soft_argmax)


def brute_patches(feat, offset, patch, dilation):
    batch, channels, height, width = feat.shape
    radius = (patch - 1) // 2
    out = torch.zeros(batch, channels, patch * patch, height, width,
                      dtype=feat.dtype)
    for b in range(batch):
        for y in range(height):
            for x in range(width):
                ox, oy = float(offset[b, 0, y, x]), float(offset[b, 1, y, x])
                for i in range(patch):
                    for j in range(patch):
                        out[b, :, i * patch + j, y, x] = bilinear(
                            feat[b], x + ox + (j - radius) * dilation,
                            y + oy + (i - radius) * dilation)
    return out


@pytest.mark.parametrize('patch, dilation', [(3, 1), (5, 2)])
def test_sample_patches_matches_brute_force(patch, dilation):
    gen = torch.Generator().manual_seed(5)
    feat = torch.randn(2, 3, 5, 7, generator=gen, dtype=torch.float64)
    offset = 2 * torch.randn(2, 2, 5, 7, generator=gen, dtype=torch.float64)
    torch.testing.assert_close(
        sample_patches(feat, offset, patch, dilation),
        brute_patches(feat, offset, patch, dilation))


def test_zero_offset_equals_unfold():
    feat = torch.randn(2, 4, 6, 9)
    out = sample_patches(feat, None, 5)
    unfolded = F.unfold(feat, 5, padding=2).view(2, 4, 25, 6, 9)
    torch.testing.assert_close(out, unfolded, rtol=0, atol=1e-5)


def test_zero_offset_windows_are_exact_copies_with_dilation():
    feat = torch.randn(2, 3, 6, 9, dtype=torch.float64)
    out = sample_patches(feat, None, 3, dilation=2)
    unfolded = F.unfold(feat, 3, dilation=2, padding=2).view(2, 3, 9, 6, 9)
    assert torch.equal(out, unfolded)
    zero = sample_patches(feat, torch.zeros(2, 2, 6, 9), 3, dilation=2)
    torch.testing.assert_close(zero, out, rtol=0, atol=1e-12)


@pytest.mark.parametrize('with_offset', [False, True])
def test_window_rows_are_slices_of_the_full_window(with_offset):
    gen = torch.Generator().manual_seed(2)
    feat = torch.randn(1, 2, 5, 6, generator=gen, dtype=torch.float64)
    offset = torch.randn(1, 2, 5, 6, generator=gen, dtype=torch.float64) \
        if with_offset else None
    full = sample_patches(feat, offset, 5, dilation=2)
    parts = [sample_patches(feat, offset, 5, 2, window_rows=range(a, b))
             for a, b in ((0, 2), (2, 3), (3, 5))]
    assert [p.shape[2] for p in parts] == [10, 5, 10]
    assert torch.equal(torch.cat(parts, dim=2), full)
    with pytest.raises(ValueError, match='window_rows'):
        sample_patches(feat, offset, 5, window_rows=range(3, 6))
    with pytest.raises(ValueError, match='window_rows'):
        sample_patches(feat, offset, 5, window_rows=[0, 1])


def test_units_match_window_soft_argmax():
    """Offsets from the window soft argmax re-centre the sampled patch."""
    feat = F.normalize(torch.randn(1, 64, 20, 24, dtype=torch.float64))
    memory = torch.roll(feat, shifts=(-3, 2), dims=(2, 3))  # M(y,x)=F(y+3,x-2)
    corr = local_correlation(feat, memory, 7, dilation_patch=1)
    offset = window_soft_argmax(corr * 100)
    centre = sample_patches(memory, offset, 3)[:, :, 4]
    torch.testing.assert_close(centre[..., 5:-5, 5:-5],
                               feat[..., 5:-5, 5:-5], rtol=0, atol=1e-4)


def test_legacy_grid_sample_default_is_a_half_pixel_shift():
    feat = torch.arange(8.).view(1, 1, 1, 8).expand(1, 1, 3, 8)
    legacy = sample_patches(feat, None, 1, align_corners=False)[:, :, 0]
    exact = sample_patches(feat, None, 1)[:, :, 0]
    torch.testing.assert_close(exact, feat)
    # x_in = (x * 8 / 7) - 0.5: off by -0.5 at the left, +0.5 at the right
    torch.testing.assert_close(legacy[0, 0, 1, 7], feat[0, 0, 1, 7] * 0.5)
    assert legacy[0, 0, 1, 3] == pytest.approx(3 * 8 / 7 - 0.5)


def test_sample_patches_gradcheck():
    feat = torch.randn(1, 2, 4, 5, dtype=torch.float64, requires_grad=True)
    offset = (torch.rand(1, 2, 4, 5, dtype=torch.float64) * 2 - 1) \
        .requires_grad_()
    assert torch.autograd.gradcheck(
        lambda f, o: sample_patches(f, o, 3, 2), (feat, offset))


def test_sample_patches_bad_input():
    feat = torch.randn(1, 2, 4, 5)
    with pytest.raises(ValueError, match='odd'):
        sample_patches(feat, None, 2)
    with pytest.raises(ValueError, match=r'offset must be \[B, 2, H, W\]'):
        sample_patches(feat, torch.zeros(1, 2, 4, 4), 3)
    with finite_checks(), \
            pytest.raises(ValueError, match='offset contains NaN'):
        sample_patches(feat, torch.full((1, 2, 4, 5), float('nan')), 3)


# --- refused inputs (issue 9: data and ops that fail silently) -------------


@pytest.mark.parametrize('dilation', [0, -1, 1.5, 2.0])
def test_sample_patches_bad_dilation(dilation):
    """0 used to sample one pixel P*P times, -1 to flip the window, 1.5 to
    stretch it."""
    with pytest.raises(ValueError, match='dilation must be an integer >= 1'):
        sample_patches(torch.randn(1, 2, 4, 5), None, 3, dilation)


@pytest.mark.parametrize('args, error, message', [
    ((torch.randn(1, 2, 0, 5), None, 3), ValueError,
     r'feat must not be empty \(\[B, C, H, W\]\), got shape \(1, 2, 0, 5\)'),
    ((torch.randn(2, 4, 5), None, 3), ValueError,
     r'feat must be \[B, C, H, W\], got shape \(2, 4, 5\)'),
    ((torch.randn(1, 2, 4, 5), None, 3.0), ValueError,
     'patch_size must be a positive odd integer, got 3.0'),
    ((torch.zeros(1, 2, 4, 5, dtype=torch.long), None, 3), TypeError,
     'feat must be a floating-point tensor, got dtype torch.int64'),
    ((torch.randn(1, 2, 4, 5), torch.zeros(2, 4, 5), 3), ValueError,
     r'offset must be \[B, 2, H, W\], got shape \(2, 4, 5\)'),
    ((torch.randn(1, 2, 4, 5), torch.zeros(1, 2, 4, 5, dtype=torch.bool), 3),
     TypeError, 'offset must hold real numbers'),
    ((torch.randn(1, 2, 4, 5), torch.zeros(1, 2, 4, 5, device='meta'), 3),
     ValueError, 'offset is on meta but feat is on cpu'),
])
def test_sample_patches_bad_tensors(args, error, message):
    with pytest.raises(error, match=message):
        sample_patches(*args)


def test_sample_patches_casts_offset_like_flow_warp():
    """A float64 (or integer) offset with float32 features used to end in
    grid_sample's 'expected scalar type Float but found Double'."""
    feat = torch.randn(1, 2, 4, 5)
    offset = torch.randint(-1, 2, (1, 2, 4, 5))
    expected = sample_patches(feat, offset.float(), 3)
    torch.testing.assert_close(sample_patches(feat, offset.double(), 3),
                               expected)
    torch.testing.assert_close(sample_patches(feat, offset, 3), expected)


# --- maps 1 pixel high or wide ----------------------------------------------


def legacy_patches(feat, offset, patch, dilation):
    """``align_corners=False``: the position ``p`` on an axis of size ``S`` is
    read at ``p * S / max(S - 1, 1) - 0.5`` (MAST's half-pixel shift)."""
    batch, channels, height, width = feat.shape
    radius = (patch - 1) // 2
    sx, sy = width / max(width - 1, 1), height / max(height - 1, 1)
    out = torch.zeros(batch, channels, patch * patch, height, width,
                      dtype=feat.dtype)
    for b, y, x, i, j in itertools.product(range(batch), range(height),
                                           range(width), range(patch),
                                           range(patch)):
        px = x + float(offset[b, 0, y, x]) + (j - radius) * dilation
        py = y + float(offset[b, 1, y, x]) + (i - radius) * dilation
        out[b, :, i * patch + j, y, x] = bilinear(feat[b], px * sx - 0.5,
                                                  py * sy - 0.5)
    return out


@pytest.mark.parametrize('height, width', [(1, 8), (8, 1), (1, 1)])
def test_size_one_axis_zero_offset_equals_unfold(height, width):
    """A 1-pixel-high or -wide map used to repeat its row/column outside
    itself (max error 2.3 on 1x8) instead of reading zeros."""
    feat = torch.randn(2, 3, height, width, dtype=torch.float64)
    unfolded = F.unfold(feat, 5, padding=2).view(2, 3, 25, height, width)
    torch.testing.assert_close(sample_patches(feat, None, 5), unfolded,
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize('height, width', [(1, 8), (8, 1), (1, 1)])
@pytest.mark.parametrize('align_corners', [True, False])
def test_size_one_axis_matches_brute_force(height, width, align_corners):
    gen = torch.Generator().manual_seed(11)
    feat = torch.randn(2, 3, height, width, generator=gen,
                       dtype=torch.float64)
    offset = torch.randn(2, 2, height, width, generator=gen,
                         dtype=torch.float64)
    reference = brute_patches if align_corners else legacy_patches
    torch.testing.assert_close(
        sample_patches(feat, offset, 3, 2, align_corners=align_corners),
        reference(feat, offset, 3, 2), rtol=0, atol=1e-12)


@pytest.mark.parametrize('padding_mode', ['border', 'reflection'])
def test_size_one_axis_other_padding_modes_unchanged(padding_mode):
    """Border and reflection padding repeat the single row (as before)."""
    feat = torch.randn(1, 2, 1, 6, dtype=torch.float64)
    out = sample_patches(feat, None, 3, padding_mode=padding_mode)
    for i in range(3):
        torch.testing.assert_close(out[:, :, i * 3 + 1], feat)


def test_sample_points_equals_a_bilinear_loop():
    import math

    from mmcorr.ops import sample_points
    gen = torch.Generator().manual_seed(0)
    feat = torch.randn(2, 3, 5, 7, generator=gen, dtype=torch.float64)
    points = torch.tensor([[[0, 0], [6, 4], [2.5, 1.25]],
                           [[3, 2], [0.3, 3.9], [6, 0]]], dtype=torch.float64)
    out = sample_points(feat, points)
    assert out.shape == (2, 3, 3)
    for b in range(2):
        for k in range(3):
            x, y = points[b, k].tolist()
            x0, y0 = math.floor(x), math.floor(y)
            x1, y1 = min(x0 + 1, 6), min(y0 + 1, 4)
            ax, ay = x - x0, y - y0
            want = ((1 - ax) * (1 - ay) * feat[b, :, y0, x0] +
                    ax * (1 - ay) * feat[b, :, y0, x1] +
                    (1 - ax) * ay * feat[b, :, y1, x0] +
                    ax * ay * feat[b, :, y1, x1])
            assert torch.allclose(out[b, k], want, atol=1e-12)


def test_sample_points_bad_input():
    from mmcorr.ops import sample_points
    with pytest.raises(ValueError, match=r'\[B, K, 2\]'):
        sample_points(torch.zeros(2, 3, 4, 4), torch.zeros(1, 3, 2))
    with pytest.raises(ValueError, match=r'\[B, K, 2\]'):
        sample_points(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3))
