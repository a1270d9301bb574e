# Copyright (c) mmcorr contributors. All rights reserved.
import math

import pytest
import torch

from mmcorr.ops import (global_correlation, global_correlation_chunks,
                        identity_grid, kernel_soft_argmax, local_correlation,
                        soft_argmax_grid, transpose_correlation,
                        window_soft_argmax)


def brute_kernel_soft_argmax(corr, size_b, beta, sigma):
    """Loops over A positions; SFNet's recipe written out by hand."""
    batch, _, ha, wa = corr.shape
    hb, wb = size_b
    grid = torch.zeros(batch, ha, wa, 2, dtype=corr.dtype)
    for b in range(batch):
        for y in range(ha):
            for x in range(wa):
                scores = corr[b, :, y, x].tolist()
                best = max(range(hb * wb), key=lambda k: scores[k])
                by, bx = divmod(best, wb)
                weighted = []
                for k in range(hb * wb):
                    ky, kx = divmod(k, wb)
                    kernel = math.exp(-((kx - bx)**2 + (ky - by)**2) /
                                      (2 * sigma**2))
                    weighted.append(beta * scores[k] * kernel)
                top = max(weighted)
                exps = [math.exp(v - top) for v in weighted]
                total = sum(exps)
                gx = sum(e * (-1 + 2 * (k % wb) / (wb - 1))
                         for k, e in enumerate(exps)) / total
                gy = sum(e * (-1 + 2 * (k // wb) / (hb - 1))
                         for k, e in enumerate(exps)) / total
                grid[b, y, x, 0], grid[b, y, x, 1] = gx, gy
    return grid


@pytest.mark.parametrize('size_a, size_b', [((3, 4), (3, 4)),
                                            ((2, 5), (4, 3))])
def test_kernel_soft_argmax_matches_brute_force(size_a, size_b):
    gen = torch.Generator().manual_seed(1)
    corr = torch.rand(2, size_b[0] * size_b[1], *size_a, generator=gen,
                      dtype=torch.float64)
    expected = brute_kernel_soft_argmax(corr, size_b, beta=7.0, sigma=1.5)
    grid, flow = kernel_soft_argmax(corr, size_b, beta=7.0, sigma=1.5)
    torch.testing.assert_close(grid, expected)
    identity = identity_grid(*size_a, like=grid)
    torch.testing.assert_close(flow, (expected - identity).permute(0, 3, 1, 2))


def test_peaked_correlation_gives_peak_coordinates():
    hb, wb = 4, 5
    corr = torch.zeros(1, hb * wb, 2, 3, dtype=torch.float64)
    targets = [[(0, 0), (4, 3), (2, 1)], [(1, 2), (3, 0), (0, 3)]]
    for y, row in enumerate(targets):
        for x, (tx, ty) in enumerate(row):
            corr[0, ty * wb + tx, y, x] = 1.0
    grid, _ = kernel_soft_argmax(corr, (hb, wb), beta=1000.0, sigma=5.0)
    hard = soft_argmax_grid(corr, (hb, wb), beta=None)
    for y, row in enumerate(targets):
        for x, (tx, ty) in enumerate(row):
            expected = torch.tensor([-1 + 2 * tx / (wb - 1),
                                     -1 + 2 * ty / (hb - 1)],
                                    dtype=torch.float64)
            torch.testing.assert_close(grid[0, y, x], expected)
            torch.testing.assert_close(hard[0, y, x], expected)


def test_matching_a_map_with_itself_gives_zero_flow():
    feat = torch.randn(2, 32, 5, 6, dtype=torch.float64)
    corr = global_correlation(feat, feat, normalize=True)
    grid, flow = kernel_soft_argmax(corr, (5, 6), beta=200.0, sigma=2.0)
    torch.testing.assert_close(flow, torch.zeros_like(flow), rtol=0,
                               atol=1e-6)


def test_both_directions_and_chunks():
    a = torch.randn(1, 8, 4, 5, dtype=torch.float64)
    b = torch.randn(1, 8, 3, 6, dtype=torch.float64)
    corr_ab = global_correlation(a, b, normalize=True)
    grid_ab, flow_ab = kernel_soft_argmax(corr_ab, (3, 6))
    assert grid_ab.shape == (1, 4, 5, 2) and flow_ab.shape == (1, 2, 4, 5)
    corr_ba = transpose_correlation(corr_ab, (3, 6))
    grid_ba, _ = kernel_soft_argmax(corr_ba, (4, 5))
    direct, _ = kernel_soft_argmax(global_correlation(b, a, normalize=True),
                                   (4, 5))
    torch.testing.assert_close(grid_ba, direct)
    # the same grid, a chunk of A positions at a time
    parts = [soft_argmax_grid(c, (3, 6))
             for _, c in global_correlation_chunks(a, b, 3, normalize=True)]
    torch.testing.assert_close(torch.cat(parts, 1).view(1, 4, 5, 2), grid_ab)


def test_kernel_soft_argmax_gradcheck_and_bad_size():
    corr = torch.rand(1, 12, 2, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda c: kernel_soft_argmax(c, (3, 4), beta=5.0, sigma=2.0), (corr, ))
    with pytest.raises(ValueError, match='Hb\\*Wb = 9'):
        kernel_soft_argmax(corr, (3, 3))


def brute_window_soft_argmax(corr, dilation):
    batch, patch, _, height, width = corr.shape
    radius = (patch - 1) // 2
    out = torch.zeros(batch, 2, height, width, dtype=corr.dtype)
    for b in range(batch):
        for y in range(height):
            for x in range(width):
                scores = corr[b, :, :, y, x]
                weights = torch.exp(scores - scores.max())
                weights = weights / weights.sum()
                for i in range(patch):
                    for j in range(patch):
                        out[b, 0, y, x] += weights[i, j] * (j - radius)
                        out[b, 1, y, x] += weights[i, j] * (i - radius)
    return out * dilation


def test_window_soft_argmax_matches_brute_force():
    corr = torch.randn(2, 5, 5, 3, 4, dtype=torch.float64)
    torch.testing.assert_close(window_soft_argmax(corr, 3),
                               brute_window_soft_argmax(corr, 3))
    corr.requires_grad_()
    assert torch.autograd.gradcheck(lambda c: window_soft_argmax(c, 2),
                                    (corr, ))


def test_window_soft_argmax_recovers_a_shift():
    """A map shifted by (+4, -2) px: the window peak points there."""
    feat = torch.nn.functional.normalize(
        torch.randn(1, 64, 20, 24, dtype=torch.float64))
    shifted = torch.roll(feat, shifts=(2, -4), dims=(2, 3))  # B(y,x)=A(y-2,x+4)
    corr = local_correlation(feat, shifted, 5, dilation_patch=2)
    offset = window_soft_argmax(corr * 100, dilation_patch=2)
    inner = offset[:, :, 6:-6, 6:-6]
    torch.testing.assert_close(inner[:, 0], torch.full_like(inner[:, 0], -4.),
                               rtol=0, atol=1e-3)
    torch.testing.assert_close(inner[:, 1], torch.full_like(inner[:, 1], 2.),
                               rtol=0, atol=1e-3)


def test_window_soft_argmax_bad_input():
    with pytest.raises(ValueError, match=r'\[B, P, P, H, W\]'):
        window_soft_argmax(torch.randn(1, 25, 4, 4))
    with pytest.raises(ValueError, match='odd'):
        window_soft_argmax(torch.randn(1, 4, 4, 3, 3))


# --- refused inputs (issue 9: data and ops that fail silently) -------------


def test_integer_correlation_is_refused_not_rounded():
    """An integer corr used to give an integer linspace: a grid off by up
    to 0.67 of the [-1, 1] range."""
    corr = torch.randint(0, 5, (1, 12, 2, 3))
    message = 'corr must be a floating-point tensor, got dtype torch.int64'
    with pytest.raises(TypeError, match=message):
        kernel_soft_argmax(corr, (3, 4))
    with pytest.raises(TypeError, match=message):
        soft_argmax_grid(corr.flatten(2), (3, 4))
    with pytest.raises(TypeError, match=message):
        window_soft_argmax(torch.randint(0, 5, (1, 3, 3, 2, 2)))
    grid, _ = kernel_soft_argmax(corr.double(), (3, 4))  # the fix it names
    assert grid.dtype == torch.float64


@pytest.mark.parametrize('sigma', [0, 0.0, -1.0, float('nan'), float('inf')])
def test_non_positive_sigma_is_refused(sigma):
    """sigma=0 used to give an all-NaN grid (0 / 0 in the kernel)."""
    corr = torch.rand(1, 12, 2, 3)
    with pytest.raises(ValueError, match='sigma .*must be a finite number > 0'):
        kernel_soft_argmax(corr, (3, 4), sigma=sigma)
    with pytest.raises(ValueError, match='sigma'):
        soft_argmax_grid(corr.flatten(2), (3, 4), sigma=sigma)


@pytest.mark.parametrize('beta', [0, -2.0, float('nan')])
def test_bad_beta_is_refused(beta):
    with pytest.raises(ValueError, match='beta must be a finite number > 0'):
        kernel_soft_argmax(torch.rand(1, 12, 2, 3), (3, 4), beta=beta)
    with pytest.raises(ValueError, match='beta must be a finite number > 0'):
        window_soft_argmax(torch.rand(1, 3, 3, 2, 2), beta=beta)


@pytest.mark.parametrize('dilation', [0, -1, 1.5, 2.0, True])
def test_window_soft_argmax_bad_dilation(dilation):
    """0 used to zero the offsets, -1 to flip them, 1.5 to scale them."""
    with pytest.raises(ValueError,
                       match='dilation_patch must be an integer >= 1'):
        window_soft_argmax(torch.rand(1, 3, 3, 2, 2), dilation)


@pytest.mark.parametrize('call, error, message', [
    (lambda: kernel_soft_argmax(torch.rand(1, 12, 0, 3), (3, 4)), ValueError,
     r'corr must not be empty \(\[B, Hb\*Wb, Ha, Wa\]\), got shape '
     r'\(1, 12, 0, 3\)'),
    (lambda: kernel_soft_argmax(torch.rand(12, 2, 3), (3, 4)), ValueError,
     r'corr must be \[B, Hb\*Wb, Ha, Wa\], got shape \(12, 2, 3\)'),
    (lambda: kernel_soft_argmax(torch.rand(1, 12, 2, 3), (3.0, 4.0)),
     ValueError, r'size_b must be \(H, W\), two integers >= 1'),
    (lambda: soft_argmax_grid(torch.rand(1, 12, 0), (3, 4)), ValueError,
     'corr must not be empty'),
    (lambda: soft_argmax_grid([[0.5]], (1, 1)), TypeError,
     'corr must be a torch.Tensor'),
    (lambda: window_soft_argmax(torch.rand(1, 3, 3, 0, 2)), ValueError,
     r'corr must not be empty \(\[B, P, P, H, W\]\)'),
    (lambda: transpose_correlation(torch.rand(12, 2, 3), (3, 4)), ValueError,
     r'corr must be \[B, Hb\*Wb, Ha, Wa\]'),
    (lambda: transpose_correlation(torch.rand(1, 12, 2, 3), (3.0, 4.0)),
     ValueError, 'size_b must be'),
    (lambda: identity_grid(3.0, 4, torch.zeros(())), ValueError,
     'height must be an integer >= 1, got 3.0'),
    (lambda: identity_grid(3, 0, torch.zeros(())), ValueError,
     'width must be an integer >= 1, got 0'),
    (lambda: identity_grid(3, 4, torch.zeros((), dtype=torch.long)),
     TypeError, 'like must be a floating-point tensor'),
])
def test_soft_argmax_bad_shapes_and_sizes(call, error, message):
    with pytest.raises(error, match=message):
        call()
