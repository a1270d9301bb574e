# Copyright (c) mmcorr contributors. All rights reserved.
import pytest
import torch

from mmcorr.ops import (finite_checks, global_correlation,
                        global_correlation_chunks, l2_normalize_features,
                        local_correlation, local_correlation_size,
                        transpose_correlation)
from mmcorr.ops._mmcv import mmcv_correlation_available


def brute_local(a, b, patch, dilation=1, stride=1, padding=0):
    """Explicit loops over positions and window cells, zeros outside."""
    batch, _, height, width = a.shape
    radius = (patch - 1) // 2
    out_h, out_w = local_correlation_size(height, width, stride, padding)
    out = torch.zeros(batch, patch, patch, out_h, out_w, dtype=a.dtype)
    for y in range(out_h):
        for x in range(out_w):
            ys, xs = y * stride - padding, x * stride - padding
            if not (0 <= ys < height and 0 <= xs < width):
                continue
            for i in range(patch):
                for j in range(patch):
                    yb = ys + (i - radius) * dilation
                    xb = xs + (j - radius) * dilation
                    if 0 <= yb < height and 0 <= xb < width:
                        out[:, i, j, y, x] = (a[:, :, ys, xs] *
                                              b[:, :, yb, xb]).sum(1)
    return out


def brute_global(a, b):
    batch, _, ha, wa = a.shape
    hb, wb = b.shape[2:]
    out = torch.zeros(batch, hb * wb, ha, wa, dtype=a.dtype)
    for k in range(hb * wb):
        for y in range(ha):
            for x in range(wa):
                out[:, k, y, x] = (a[:, :, y, x] *
                                   b[:, :, k // wb, k % wb]).sum(1)
    return out


LOCAL_CASES = [
    # batch, channels, height, width, patch, dilation, stride, padding
    (2, 3, 5, 7, 3, 1, 1, 0),
    (1, 4, 6, 9, 5, 2, 1, 0),
    (2, 2, 7, 6, 3, 3, 1, 0),
    (1, 5, 9, 4, 7, 1, 1, 0),  # window larger than the map
    (2, 3, 8, 8, 5, 1, 2, 1),
    (1, 2, 4, 5, 7, 1, 1, 2),
    (1, 3, 11, 13, 9, 4, 1, 0),
    (1, 2, 5, 40, 5, 1, 1, 0),  # several blocks per row
    (2, 2, 4, 37, 3, 2, 1, 0),  # residue classes of unequal width
]


@pytest.mark.parametrize('channel_sum', ['matmul', 'sequential'])
@pytest.mark.parametrize('case', LOCAL_CASES)
def test_local_correlation_matches_brute_force(case, channel_sum):
    batch, channels, height, width, patch, dil, stride, pad = case
    gen = torch.Generator().manual_seed(sum(case))
    a = torch.randn(batch, channels, height, width, generator=gen,
                    dtype=torch.float64)
    b = torch.randn(batch, channels, height, width, generator=gen,
                    dtype=torch.float64)
    expected = brute_local(a, b, patch, dil, stride, pad)
    out = local_correlation(a, b, patch, dil, stride, pad,
                            channel_sum=channel_sum)
    assert out.shape == expected.shape
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-12)
    # a tiny chunk bound exercises the row-chunk loop
    out = local_correlation(a, b, patch, dil, stride, pad, chunk_bytes=1,
                            channel_sum=channel_sum)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-12)


def shifted(x, dy, dx):
    """``x[..., y + dy, x + dx]``, zeros outside."""
    out = torch.zeros_like(x)
    height, width = x.shape[-2:]
    ys, xs = slice(max(0, -dy), min(height, height - dy)), \
        slice(max(0, -dx), min(width, width - dx))
    yb, xb = slice(ys.start + dy, ys.stop + dy), \
        slice(xs.start + dx, xs.stop + dx)
    out[..., ys, xs] = x[..., yb, xb]
    return out


def test_sequential_channel_sum_is_the_loop_bit_for_bit():
    # float32: the channels added one after the other, each product rounded
    gen = torch.Generator().manual_seed(3)
    a = torch.randn(2, 24, 6, 9, generator=gen) * 30
    b = torch.randn(2, 24, 6, 9, generator=gen) * 30
    patch, dil = 5, 2
    radius = (patch - 1) // 2
    expected = torch.zeros(2, patch, patch, 6, 9)
    for i in range(patch):
        for j in range(patch):
            acc = torch.zeros(2, 6, 9)
            for c in range(24):
                acc = acc + a[:, c] * shifted(b[:, c], (i - radius) * dil,
                                              (j - radius) * dil)
            expected[:, i, j] = acc
    out = local_correlation(a, b, patch, dil, channel_sum='sequential')
    assert torch.equal(out, expected)
    # the default sums in another order: equal to rounding only
    torch.testing.assert_close(local_correlation(a, b, patch, dil), expected,
                               rtol=1e-5, atol=1e-3)


def test_sequential_channel_sum_has_a_gradient():
    a = torch.randn(1, 2, 4, 5, dtype=torch.float64, requires_grad=True)
    b = torch.randn(1, 2, 4, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x, y: local_correlation(x, y, 3, channel_sum='sequential'),
        (a, b))


@pytest.mark.parametrize('case', [(2, 2, 4, 5, 3, 1, 1, 0),
                                  (1, 2, 5, 4, 5, 2, 1, 0),
                                  (1, 3, 5, 6, 3, 3, 2, 1)])
def test_local_correlation_gradcheck(case):
    batch, channels, height, width, patch, dil, stride, pad = case
    gen = torch.Generator().manual_seed(len(case))
    a = torch.randn(batch, channels, height, width, generator=gen,
                    dtype=torch.float64, requires_grad=True)
    b = torch.randn(batch, channels, height, width, generator=gen,
                    dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x, y: local_correlation(x, y, patch, dil, stride, pad,
                                       chunk_bytes=256), (a, b),
        fast_mode=True)


@pytest.mark.parametrize('case', LOCAL_CASES[:6])
def test_local_correlation_backward_matches_brute_force_autograd(case):
    batch, channels, height, width, patch, dil, stride, pad = case
    gen = torch.Generator().manual_seed(7)
    a = torch.randn(batch, channels, height, width, generator=gen,
                    dtype=torch.float64)
    b = torch.randn(batch, channels, height, width, generator=gen,
                    dtype=torch.float64)
    grads = []
    for fn in (brute_local, local_correlation):
        x, y = a.clone().requires_grad_(), b.clone().requires_grad_()
        out = fn(x, y, patch, dil, stride, pad)
        out.backward(torch.linspace(-1, 1, out.numel(),
                                    dtype=torch.float64).view(out.shape))
        grads.append((x.grad, y.grad))
    torch.testing.assert_close(grads[1][0], grads[0][0], rtol=0, atol=1e-12)
    torch.testing.assert_close(grads[1][1], grads[0][1], rtol=0, atol=1e-12)


def test_local_correlation_full_gradcheck_tiny():
    a = torch.randn(1, 2, 3, 4, dtype=torch.float64, requires_grad=True)
    b = torch.randn(1, 2, 3, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x, y: local_correlation(x, y, 3, 1, chunk_bytes=1), (a, b))


def test_local_correlation_grad_of_one_input():
    a = torch.randn(1, 2, 5, 6, dtype=torch.float64, requires_grad=True)
    b = torch.randn(1, 2, 5, 6, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda x: local_correlation(x, b, 3, 2),
                                    (a, ))
    a = a.detach()
    b.requires_grad_()
    assert torch.autograd.gradcheck(lambda y: local_correlation(a, y, 3, 2),
                                    (b, ))


def test_local_correlation_centre_is_squared_norm():
    a = torch.randn(2, 4, 6, 7)
    out = local_correlation(a, a, 5, 2)
    torch.testing.assert_close(out[:, 2, 2], a.pow(2).sum(1))


def test_local_correlation_float32_matches_float64():
    a = torch.randn(2, 16, 12, 20, dtype=torch.float64)
    b = torch.randn(2, 16, 12, 20, dtype=torch.float64)
    expected = local_correlation(a, b, 9, 2)
    out = local_correlation(a.float(), b.float(), 9, 2)
    torch.testing.assert_close(out.double(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('kwargs, message', [
    (dict(patch_size=4), 'patch_size must be a positive odd'),
    (dict(patch_size=3, dilation_patch=0), 'dilation_patch must be'),
    (dict(patch_size=3, stride=0), 'stride must be'),
    (dict(patch_size=3, padding=-1), 'padding must be'),
    (dict(patch_size=3, channel_sum='pairwise'), 'channel_sum must be'),
])
def test_local_correlation_bad_arguments(kwargs, message):
    a = torch.randn(1, 2, 4, 4)
    with pytest.raises(ValueError, match=message):
        local_correlation(a, a, **kwargs)


@pytest.mark.parametrize('shape_b, message', [
    ((2, 3, 4, 4), 'batch sizes differ'),
    ((1, 4, 4, 4), 'channel counts differ'),
    ((1, 3, 5, 4), 'spatial sizes differ'),
    ((3, 4, 4), r'must be \[B, C, H, W\]'),
])
def test_local_correlation_bad_shapes(shape_b, message):
    with pytest.raises(ValueError, match=message):
        local_correlation(torch.randn(1, 3, 4, 4), torch.randn(*shape_b), 3)


@finite_checks()
def test_non_finite_input_is_refused():
    a = torch.randn(1, 2, 4, 4)
    b = a.clone()
    b[0, 1, 2, 3] = float('nan')
    with pytest.raises(ValueError, match='feat_b contains NaN'):
        local_correlation(a, b, 3)
    with pytest.raises(ValueError, match='feat_b contains NaN'):
        global_correlation(a, b)


@pytest.mark.parametrize('size_a, size_b', [((3, 4), (3, 4)),
                                            ((4, 3), (2, 5))])
def test_global_correlation_matches_brute_force(size_a, size_b):
    a = torch.randn(2, 5, *size_a, dtype=torch.float64)
    b = torch.randn(2, 5, *size_b, dtype=torch.float64)
    expected = brute_global(a, b)
    torch.testing.assert_close(global_correlation(a, b), expected)
    normed = global_correlation(a, b, normalize=True, eps=1e-6)
    norm_a = (a.pow(2).sum(1) + 1e-6).sqrt()  # [B, Ha, Wa]
    norm_b = (b.pow(2).sum(1) + 1e-6).sqrt().flatten(1)
    torch.testing.assert_close(
        normed, expected / norm_a[:, None] / norm_b[:, :, None, None])


@pytest.mark.parametrize('chunk', [1, 5, 7, 100])
def test_chunked_global_correlation_is_identical(chunk):
    a = torch.randn(2, 8, 5, 7)
    b = torch.randn(2, 8, 6, 4)
    one_shot = global_correlation(a, b, normalize=True).flatten(2)
    seen = 0
    for positions, corr in global_correlation_chunks(a, b, chunk,
                                                     normalize=True):
        assert corr.shape == (2, 24, positions.stop - positions.start)
        assert corr.shape[2] <= chunk
        torch.testing.assert_close(corr, one_shot[:, :, positions],
                                   rtol=1e-6, atol=1e-7)
        seen += corr.shape[2]
    assert seen == 35
    with pytest.raises(ValueError, match='chunk_size'):
        next(global_correlation_chunks(a, b, 0))


def test_global_correlation_gradcheck_and_transpose():
    a = torch.randn(1, 3, 2, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(1, 3, 3, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x, y: global_correlation(x, y, normalize=True), (a, b))
    ab = global_correlation(a, b)
    ba = global_correlation(b, a)
    torch.testing.assert_close(transpose_correlation(ab, (3, 2)), ba)
    with pytest.raises(ValueError, match='B positions'):
        transpose_correlation(ab, (2, 2))


@pytest.mark.skipif(not mmcv_correlation_available(),
                    reason='needs CUDA and mmcv compiled with CUDA ops')
@pytest.mark.parametrize('dtype', [torch.float32, torch.float16])
@pytest.mark.parametrize('dil, stride, pad', [(1, 1, 0), (2, 1, 0),
                                              (1, 2, 1)])
def test_mmcv_cuda_path_matches_pytorch_path(dtype, dil, stride, pad):
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(2, 16, 13, 17, generator=gen)
    b = torch.randn(2, 16, 13, 17, generator=gen)
    ref_a, ref_b = a.double().requires_grad_(), b.double().requires_grad_()
    ref = local_correlation(ref_a, ref_b, 7, dil, stride, pad)
    grad = torch.randn(ref.shape, generator=gen, dtype=torch.float64)
    ref.backward(grad)
    cuda_a = a.cuda().to(dtype).requires_grad_()
    cuda_b = b.cuda().to(dtype).requires_grad_()
    out = local_correlation(cuda_a, cuda_b, 7, dil, stride, pad,
                            use_mmcv=True)
    out.backward(grad.cuda().to(dtype))
    tol = dict(rtol=1e-2, atol=5e-2) if dtype == torch.float16 else dict(
        rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(out.double().cpu(), ref.detach(), **tol)
    torch.testing.assert_close(cuda_a.grad.double().cpu(), ref_a.grad, **tol)
    torch.testing.assert_close(cuda_b.grad.double().cpu(), ref_b.grad, **tol)
    torch_path = local_correlation(a.cuda(), b.cuda(), 7, dil, stride, pad,
                                   use_mmcv=False)
    torch.testing.assert_close(torch_path.double().cpu(), ref.detach(),
                               rtol=1e-4, atol=1e-4)


def test_pytorch_path_runs_where_mmcv_op_cannot():
    a = torch.randn(1, 2, 4, 4)
    out = local_correlation(a, a, 3, use_mmcv=False)
    assert out.shape == (1, 3, 3, 4, 4)
    if not torch.cuda.is_available():
        assert not mmcv_correlation_available()


# --- refused inputs (issue 9: data and ops that fail silently) -------------

A = torch.randn(1, 2, 4, 5)
EMPTY = torch.randn(1, 2, 0, 5)
LONG = torch.zeros(1, 2, 4, 5, dtype=torch.long)


@pytest.mark.parametrize('call, error, message', [
    (lambda: global_correlation(EMPTY, EMPTY), ValueError,
     r'feat_a must not be empty \(\[B, C, H, W\]\), got shape \(1, 2, 0, 5\)'),
    (lambda: global_correlation(A[:0], A[:0]), ValueError,
     'feat_a must not be empty'),
    (lambda: global_correlation(A[0], A), ValueError,
     r'feat_a must be \[B, C, H, W\], got shape \(2, 4, 5\)'),
    (lambda: global_correlation(LONG, LONG), TypeError,
     'feat_a must be a floating-point tensor, got dtype torch.int64'),
    (lambda: global_correlation(A, A.double()), ValueError,
     r'feat_a \(torch.float32, cpu\) and feat_b \(torch.float64, cpu\) must '
     'share dtype'),
    (lambda: global_correlation(A, A, normalize=True, eps=-1.0), ValueError,
     'eps must be a finite number >= 0, got -1.0'),
    (lambda: global_correlation_chunks(A[0], A, 4), ValueError,
     r'feat_a must be \[B, C, H, W\]'),
    (lambda: global_correlation_chunks(A, A, 2.5), ValueError,
     'chunk_size must be an integer >= 1, got 2.5'),
    (lambda: global_correlation_chunks(EMPTY, A, 4), ValueError,
     'feat_a must not be empty'),
    (lambda: l2_normalize_features(LONG), TypeError,
     'feat must be a floating-point tensor'),
    (lambda: local_correlation(EMPTY, EMPTY, 3), ValueError,
     'feat_a must not be empty'),
    (lambda: local_correlation(LONG, LONG, 3), TypeError,
     'feat_a must be a floating-point tensor, got dtype torch.int64'),
    (lambda: local_correlation(A, A, 3.0), ValueError,
     'patch_size must be a positive odd integer, got 3.0'),
    (lambda: local_correlation(A, A, 3, 2.0), ValueError,
     'dilation_patch must be an integer >= 1, got 2.0'),
    (lambda: local_correlation(A, A, 3, chunk_bytes=0.5), ValueError,
     'chunk_bytes must be an integer >= 1'),
    (lambda: local_correlation(A, A, 3, use_mmcv=True), ValueError,
     'use_mmcv=True needs CUDA tensors'),
    (lambda: local_correlation_size(4, 5, 0), ValueError,
     'stride must be an integer >= 1, got 0'),
    (lambda: local_correlation_size(4.0, 5), ValueError,
     'height must be an integer >= 1, got 4.0'),
])
def test_correlation_bad_inputs(call, error, message):
    """These used to end in 'cannot reshape ... ambiguous', 'pad(): argument
    must be tuple of ints', a ZeroDivisionError, an integer result, or (for
    the chunks) an error only at the first ``next``."""
    with pytest.raises(error, match=message):
        call()
