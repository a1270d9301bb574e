# Copyright (c) mmcorr contributors. All rights reserved.
import pytest
import torch
from references import bilinear

from mmcorr.ops import (GRID_CONVENTIONS, finite_checks, flow_warp,
                        grid_warp, identity_grid)


def input_position(convention, align_corners, j, f, size_in, size_out):
    """Closed-form input pixel coordinate along one axis."""
    if convention == 'pixel':
        if align_corners:
            return (j + f) * (size_in - 1) / (size_out - 1)
        return (j + f + 0.5) * size_in / size_out - 0.5
    base = -1 + 2 * j / (size_out - 1)
    if convention == 'sfnet_legacy':  # normalised by the output size
        g = base + f / size_out
    else:  # alignseg_legacy: normalised by the sampled (input) size
        g = base + f / size_in
    if align_corners:
        return (g + 1) / 2 * (size_in - 1)
    return ((g + 1) * size_in - 1) / 2


def brute_warp(feat, flow, convention, align_corners):
    batch, channels, h_in, w_in = feat.shape
    h_out, w_out = flow.shape[2:]
    out = torch.zeros(batch, channels, h_out, w_out, dtype=feat.dtype)
    for b in range(batch):
        for i in range(h_out):
            for j in range(w_out):
                x = input_position(convention, align_corners, j,
                                   float(flow[b, 0, i, j]), w_in, w_out)
                y = input_position(convention, align_corners, i,
                                   float(flow[b, 1, i, j]), h_in, h_out)
                out[b, :, i, j] = bilinear(feat[b], x, y)
    return out


DEFAULT_AC = {'pixel': False, 'sfnet_legacy': True, 'alignseg_legacy': False}


@pytest.mark.parametrize('convention', GRID_CONVENTIONS)
@pytest.mark.parametrize('align_corners', [None, True, False])
@pytest.mark.parametrize('size_in, size_out', [((5, 7), (5, 7)),
                                               ((3, 4), (6, 9)),
                                               ((6, 5), (4, 4))])
def test_flow_warp_matches_brute_force(convention, align_corners, size_in,
                                       size_out):
    gen = torch.Generator().manual_seed(3)
    feat = torch.randn(2, 3, *size_in, generator=gen, dtype=torch.float64)
    flow = 2.5 * torch.randn(2, 2, *size_out, generator=gen,
                             dtype=torch.float64)
    ac = DEFAULT_AC[convention] if align_corners is None else align_corners
    expected = brute_warp(feat, flow, convention, ac)
    out = flow_warp(feat, flow, convention, align_corners=align_corners)
    # the legacy conventions keep the official float32 base grid
    tol = 1e-9 if convention == 'pixel' else 1e-6
    torch.testing.assert_close(out, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize('align_corners', [False, True])
def test_pixel_convention_zero_flow_is_identity(align_corners):
    feat = torch.randn(2, 4, 7, 10)
    flow = torch.zeros(2, 2, 7, 10)
    out = flow_warp(feat, flow, align_corners=align_corners)
    torch.testing.assert_close(out, feat, rtol=0, atol=1e-6)


def test_pixel_convention_integer_flow_shifts_by_pixels():
    feat = torch.randn(1, 2, 6, 8, dtype=torch.float64)
    flow = torch.zeros(1, 2, 6, 8, dtype=torch.float64)
    flow[:, 0] = 2  # read two pixels to the right
    flow[:, 1] = -1  # and one up
    out = flow_warp(feat, flow)
    torch.testing.assert_close(out[:, :, 1:, :-2], feat[:, :, :-1, 2:])
    assert out[:, :, 0].abs().max() == 0 and out[..., -2:].abs().max() == 0
    border = flow_warp(feat, flow, padding_mode='border')
    torch.testing.assert_close(border[:, :, 0, :-2], feat[:, :, 0, 2:])


def test_pixel_convention_upsamples_like_interpolate():
    feat = torch.randn(1, 3, 4, 5)
    flow = torch.zeros(1, 2, 8, 10)
    for ac in (False, True):
        expected = torch.nn.functional.interpolate(
            feat, size=(8, 10), mode='bilinear', align_corners=ac)
        # interpolate clamps half-pixel positions beyond the border
        out = flow_warp(feat, flow, align_corners=ac, padding_mode='border')
        torch.testing.assert_close(out, expected, rtol=0, atol=1e-5)


def test_legacy_conventions_units():
    feat = torch.arange(9.).view(1, 1, 1, 9).expand(1, 1, 3, 9).double()
    flow = torch.zeros(1, 2, 3, 9, dtype=torch.float64)
    # sfnet_legacy, same size: zero flow is the identity, 1 unit = (W-1)/(2W)
    torch.testing.assert_close(flow_warp(feat, flow, 'sfnet_legacy'), feat)
    flow[:, 0] = 2 * 9 / 8
    out = flow_warp(feat, flow, 'sfnet_legacy')
    torch.testing.assert_close(out[..., :-1], feat[..., 1:])
    # alignseg_legacy: zero flow is a slight stretch, not the identity
    zero = torch.zeros_like(flow)
    stretched = flow_warp(feat, zero, 'alignseg_legacy')
    assert not torch.allclose(stretched, feat)
    torch.testing.assert_close(stretched[0, 0, 1, 4], feat[0, 0, 1, 4])


def test_flow_warp_gradcheck():
    feat = torch.randn(1, 2, 4, 5, dtype=torch.float64, requires_grad=True)
    flow = (torch.rand(1, 2, 3, 6, dtype=torch.float64) - 0.5).mul(
        3).requires_grad_()
    for convention in GRID_CONVENTIONS:
        assert torch.autograd.gradcheck(
            lambda f, fl: flow_warp(f, fl, convention), (feat, flow))


@pytest.mark.parametrize('flow_shape, message', [
    ((1, 3, 4, 4), r'flow must be \[B, 2, H, W\]'),
    ((2, 2, 4, 4), 'batch sizes differ'),
    ((2, 4, 4), r'flow must be \[B, 2, H, W\], got shape \(2, 4, 4\)'),
])
def test_flow_warp_bad_shapes(flow_shape, message):
    with pytest.raises(ValueError, match=message):
        flow_warp(torch.randn(1, 3, 4, 4), torch.zeros(flow_shape))


def test_flow_warp_bad_convention_and_nan():
    feat = torch.randn(1, 3, 4, 4)
    with pytest.raises(ValueError, match='unknown grid convention'):
        flow_warp(feat, torch.zeros(1, 2, 4, 4), 'sfnet')
    flow = torch.zeros(1, 2, 4, 4)
    flow[0, 0, 0, 0] = float('inf')
    with finite_checks(), \
            pytest.raises(ValueError, match='flow contains NaN or Inf'):
        flow_warp(feat, flow)


@pytest.mark.parametrize('batch, channels', [(1, 6), (2, 5), (1, 7), (3, 4)])
def test_parallel_grid_sample_is_identical(batch, channels):
    from mmcorr.ops._grid_sample import grid_sample
    feat = torch.randn(batch, channels, 5, 6, dtype=torch.float64,
                       requires_grad=True)
    grid = (torch.rand(batch, 4, 7, 2, dtype=torch.float64) * 2.4 - 1.2) \
        .requires_grad_()
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(4)
        out = grid_sample(feat, grid, align_corners=True)
    finally:
        torch.set_num_threads(threads)
    ref = torch.nn.functional.grid_sample(feat, grid, align_corners=True)
    assert torch.equal(out, ref)
    weights = torch.randn_like(ref)
    grads = torch.autograd.grad(out, (feat, grid), weights)
    refs = torch.autograd.grad(ref, (feat, grid), weights)
    torch.testing.assert_close(grads[0], refs[0], rtol=0, atol=0)
    torch.testing.assert_close(grads[1], refs[1], rtol=1e-12, atol=1e-12)


def test_grid_warp_with_identity_grid_and_errors():
    feat = torch.randn(2, 3, 5, 7)
    grid = identity_grid(5, 7, feat).expand(2, -1, -1, -1)
    torch.testing.assert_close(grid_warp(feat, grid), feat, rtol=0,
                               atol=1e-5)
    shifted = grid_warp(feat, grid, align_corners=False)  # the legacy call
    assert not torch.allclose(shifted, feat)
    with pytest.raises(ValueError, match=r'grid must be \[B, H, W, 2\]'):
        grid_warp(feat, grid[..., :1])
    with finite_checks(), \
            pytest.raises(ValueError, match='grid contains NaN'):
        grid_warp(feat, grid * float('nan'))


# --- refused inputs (issue 9: data and ops that fail silently) -------------


@pytest.mark.parametrize('call, error, message', [
    (lambda: flow_warp(torch.randn(1, 3, 0, 5), torch.zeros(1, 2, 4, 5)),
     ValueError,
     r'feat must not be empty \(\[B, C, H, W\]\), got shape \(1, 3, 0, 5\)'),
    (lambda: flow_warp(torch.randn(1, 3, 0, 5), torch.zeros(1, 2, 4, 5),
                       'alignseg_legacy'), ValueError,
     'feat must not be empty'),
    (lambda: flow_warp(torch.randn(1, 3, 4, 5), torch.zeros(1, 2, 0, 5)),
     ValueError, r'flow must not be empty \(\[B, 2, H, W\]\)'),
    (lambda: flow_warp(torch.zeros(1, 3, 4, 5, dtype=torch.uint8),
                       torch.zeros(1, 2, 4, 5)), TypeError,
     'feat must be a floating-point tensor, got dtype torch.uint8'),
    (lambda: flow_warp(torch.randn(1, 3, 4, 5),
                       torch.zeros(1, 2, 4, 5, device='meta')), ValueError,
     'flow is on meta but feat is on cpu'),
    (lambda: grid_warp(torch.randn(1, 3, 4, 5), torch.zeros(1, 0, 5, 2)),
     ValueError, r'grid must not be empty \(\[B, H, W, 2\]\)'),
    (lambda: grid_warp(torch.randn(1, 3, 4, 5), [[0.0, 0.0]]), TypeError,
     "grid must be a torch.Tensor, got <class 'list'>"),
    (lambda: grid_warp(torch.zeros(1, 3, 4, 5, dtype=torch.long),
                       torch.zeros(1, 4, 5, 2)), TypeError,
     'feat must be a floating-point tensor, got dtype torch.int64'),
    (lambda: grid_warp(torch.randn(1, 3, 4, 5),
                       torch.zeros(1, 4, 5, 2, device='meta')), ValueError,
     'grid is on meta but feat is on cpu'),
])
def test_warp_bad_tensors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_flow_and_grid_of_other_real_dtypes_are_cast_to_feat():
    feat = torch.randn(1, 3, 4, 5)
    flow = torch.randint(-1, 2, (1, 2, 4, 5))
    expected = flow_warp(feat, flow.float())
    torch.testing.assert_close(flow_warp(feat, flow.double()), expected)
    torch.testing.assert_close(flow_warp(feat, flow), expected)
    grid = identity_grid(4, 5, feat)
    torch.testing.assert_close(grid_warp(feat, grid.double()),
                               grid_warp(feat, grid))
