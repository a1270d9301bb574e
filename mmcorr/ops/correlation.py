# Copyright (c) mmcorr contributors. All rights reserved.
"""Global (all-pairs) and local (patch) correlation of two feature maps.

Global correlation compares every position of map A with every position of
map B (SFNet's matching layer, ICNet's self-correlation). Local correlation
compares each position of A with a ``P x P`` window of B around the same place
(MAST's attention window, PWC-Net's cost volume); it follows the semantics of
``spatial_correlation_sampler`` and of ``mmcv.ops.Correlation`` with
``kernel_size=1``, and is not normalised by the channel count.
"""
import math
from typing import Iterator, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from ._checks import (check_feature_pair, check_finite, check_floating,
                      check_int, check_odd, check_real, check_size,
                      check_tensor)
from ._mmcv import mmcv_correlation_available

__all__ = [
    'l2_normalize_features', 'global_correlation', 'global_correlation_chunks',
    'transpose_correlation', 'local_correlation', 'local_correlation_size',
    'local_weighted_sum'
]

#: default bound on the bytes of one intermediate chunk
DEFAULT_CHUNK_BYTES = 1 << 20


def l2_normalize_features(feat: Tensor, eps: float = 1e-6) -> Tensor:
    """Divide each feature vector by ``sqrt(sum_c x^2 + eps)``.

    The epsilon goes inside the root, as in SFNet's matching layer.

    Args:
        feat (Tensor): ``[B, C, ...]``, floating point; normalised over C.
        eps (float): Added to the squared norm, ``>= 0``.

    Returns:
        Tensor: Same shape and dtype as ``feat``.
    """
    check_floating(feat, 'feat')
    if feat.dim() < 2:
        raise ValueError('feat must be [B, C, ...], got shape '
                         f'{tuple(feat.shape)}')
    check_real(eps, 'eps', 0, inclusive=True)
    return feat / torch.sqrt(feat.pow(2).sum(1, keepdim=True) + eps)


def _flatten_pair(feat_a: Tensor, feat_b: Tensor, normalize: bool,
                  eps: float) -> Tuple[Tensor, Tensor]:
    check_feature_pair(feat_a, feat_b, 'feat_a', 'feat_b', same_size=False)
    check_real(eps, 'eps', 0, inclusive=True)
    check_finite(feat_a, 'feat_a')
    check_finite(feat_b, 'feat_b')
    if normalize:
        feat_a = l2_normalize_features(feat_a, eps)
        feat_b = l2_normalize_features(feat_b, eps)
    return feat_a.flatten(2), feat_b.flatten(2)


def global_correlation_chunks(
        feat_a: Tensor,
        feat_b: Tensor,
        chunk_size: int,
        normalize: bool = False,
        eps: float = 1e-6) -> Iterator[Tuple[slice, Tensor]]:
    """Yield the global correlation a chunk of A positions at a time.

    For consumers that reduce over B positions (e.g. a soft argmax) and never
    need the whole ``[B, Hb*Wb, Ha*Wa]`` volume. With ``normalize`` each chunk
    is divided by the two norms instead of normalising copies of the maps
    (the same numbers up to rounding), so the only temporaries are a chunk.
    The arguments are checked when this is called, not at the first chunk.

    Args:
        feat_a (Tensor): ``[B, C, Ha, Wa]``.
        feat_b (Tensor): ``[B, C, Hb, Wb]``.
        chunk_size (int): Number of A positions (flattened ``Ha*Wa`` index)
            per chunk.
        normalize (bool): L2-normalise the feature vectors first.
        eps (float): See :func:`l2_normalize_features`.

    Yields:
        tuple: ``(positions, corr)``: a slice of flattened A positions and
        ``corr`` of shape ``[B, Hb*Wb, n]`` for those ``n`` positions.
    """
    check_int(chunk_size, 'chunk_size', 1)
    # no normalised copies of the maps: each chunk is divided by the norms
    a, b = _flatten_pair(feat_a, feat_b, False, eps)
    return _correlation_chunks(a, b, chunk_size, normalize, eps)


def _correlation_chunks(a: Tensor, b: Tensor, chunk_size: int,
                        normalize: bool,
                        eps: float) -> Iterator[Tuple[slice, Tensor]]:
    """The generator of :func:`global_correlation_chunks` on ``[B, C, N]``."""
    bt = b.transpose(1, 2)  # [B, HbWb, C], a view
    if normalize:
        norm_a = torch.sqrt(a.pow(2).sum(1, keepdim=True) + eps)  # [B, 1, Na]
        norm_b = torch.sqrt(b.pow(2).sum(1) + eps)[:, :, None]  # [B, Nb, 1]
    for start in range(0, a.shape[2], chunk_size):
        positions = slice(start, min(start + chunk_size, a.shape[2]))
        corr = torch.bmm(bt, a[:, :, positions])
        if normalize:
            corr = corr / (norm_b * norm_a[:, :, positions])
        yield positions, corr


def global_correlation(feat_a: Tensor,
                       feat_b: Tensor,
                       normalize: bool = False,
                       eps: float = 1e-6) -> Tensor:
    """All-pairs dot products between two feature maps.

    ``out[b, kb, ya, xa] = sum_c A[b, c, ya, xa] * B[b, c, kb // Wb, kb % Wb]``:
    the channels index B positions, the spatial grid is A's (SFNet's layout).
    :func:`global_correlation_chunks` yields the same numbers a chunk of A
    positions at a time, for consumers that never need the whole volume.

    Args:
        feat_a (Tensor): ``[B, C, Ha, Wa]``.
        feat_b (Tensor): ``[B, C, Hb, Wb]``.
        normalize (bool): L2-normalise feature vectors first (cosine
            similarity with ``eps`` inside the root).
        eps (float): See :func:`l2_normalize_features`.

    Returns:
        Tensor: ``[B, Hb*Wb, Ha, Wa]``.
    """
    a, b = _flatten_pair(feat_a, feat_b, normalize, eps)
    batch, _, height, width = feat_a.shape
    corr = torch.bmm(b.transpose(1, 2), a)
    return corr.view(batch, -1, height, width)


def transpose_correlation(corr: Tensor, size_b: Tuple[int, int]) -> Tensor:
    """Swap the roles of A and B in a global correlation.

    Args:
        corr (Tensor): ``[B, Hb*Wb, Ha, Wa]`` from :func:`global_correlation`.
        size_b (tuple): ``(Hb, Wb)``.

    Returns:
        Tensor: ``[B, Ha*Wa, Hb, Wb]``, the correlation of B against A.
    """
    check_tensor(corr, 'corr', '[B, Hb*Wb, Ha, Wa]', 4)
    hb, wb = check_size(size_b, 'size_b')
    batch, nb, height, width = corr.shape
    if nb != hb * wb:
        raise ValueError(f'corr has {nb} B positions but size_b={size_b}')
    return corr.view(batch, nb, height * width).transpose(1, 2).reshape(
        batch, height * width, hb, wb)


def local_correlation_size(height: int, width: int, stride: int = 1,
                           padding: int = 0) -> Tuple[int, int]:
    """Output ``(H_out, W_out)`` of :func:`local_correlation` (kernel 1).

    All arguments in pixels: ``height, width >= 1``, ``stride >= 1``,
    ``padding >= 0``.
    """
    check_int(height, 'height', 1)
    check_int(width, 'width', 1)
    _check_local_args(stride=stride, padding=padding)
    return ((height + 2 * padding - 1) // stride + 1,
            (width + 2 * padding - 1) // stride + 1)


class _LocalCorrelation(torch.autograd.Function):
    """Banded-GEMM local correlation on CPU (and CUDA without mmcv's op)."""

    @staticmethod
    def forward(ctx, feat_a, feat_b, patch_size, dilation_patch, chunk_bytes):
        ctx.save_for_backward(feat_a, feat_b)
        ctx.config = (patch_size, dilation_patch, chunk_bytes)
        return _banded_forward(feat_a, feat_b, patch_size, dilation_patch,
                               chunk_bytes)

    @staticmethod
    def backward(ctx, grad_out):
        feat_a, feat_b = ctx.saved_tensors
        patch_size, dilation_patch, chunk_bytes = ctx.config
        grad_a, grad_b = _banded_backward(feat_a, feat_b,
                                          grad_out.contiguous(), patch_size,
                                          dilation_patch, chunk_bytes,
                                          ctx.needs_input_grad[:2])
        return grad_a, grad_b, None, None, None


def local_correlation(feat_a: Tensor,
                      feat_b: Tensor,
                      patch_size: int,
                      dilation_patch: int = 1,
                      stride: int = 1,
                      padding: int = 0,
                      use_mmcv: Optional[bool] = None,
                      chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                      channel_sum: str = 'matmul') -> Tensor:
    """Dot products of each A position with a ``P x P`` window of B.

    ``out[b, i, j, y, x] = sum_c A[b, c, ys, xs] * B[b, c, ys + (i - R) * d,
    xs + (j - R) * d]`` with ``R = (P - 1) / 2``, ``d = dilation_patch``,
    ``ys = y * stride - padding`` (``xs`` alike) and zeros outside the maps.
    This is ``spatial_correlation_sampler`` / ``mmcv.ops.Correlation`` with
    ``kernel_size=1``, ``max_displacement=R``; the result is not divided by C.

    On CUDA tensors with mmcv's compiled ``Correlation`` available it runs
    mmcv's kernel; otherwise a pure-PyTorch path computes the windows as
    batched matrix products of row blocks (``T x C`` by ``C x (T + P - 1)``),
    a bounded chunk at a time, never materialising the unfolded
    ``[B, C*P*P, H, W]`` tensor. Both paths have a backward.

    Args:
        feat_a (Tensor): ``[B, C, H, W]``, the map whose positions are queries.
        feat_b (Tensor): ``[B, C, H, W]``, the map searched in windows.
        patch_size (int): Window side P, odd.
        dilation_patch (int): Spacing of window cells, in pixels.
        stride (int): Output stride.
        padding (int): Zero padding of both maps, in pixels.
        use_mmcv (bool, optional): Force (True) or forbid (False) mmcv's CUDA
            op; by default it is used when the inputs are on CUDA and the op
            is compiled.
        chunk_bytes (int): Bound on each temporary of the PyTorch path.
        channel_sum (str): How the PyTorch path adds the ``C`` products:
            ``'matmul'`` (default, fast) in matrix products, whose blocked
            order rounds differently from a loop; ``'sequential'`` one
            channel after the other in the inputs' dtype, as the CPU kernel
            of spatial-correlation-sampler does (slower: one pass per
            channel; ``B x P^2 x H x W`` memory without gradients, C times
            that with them, as autograd keeps every channel's windows;
            never mmcv's op). The two agree to float rounding;
            ``'sequential'`` is for inference and parity with official
            code on ill-conditioned inputs (MAST's fixture).

    Returns:
        Tensor: ``[B, P, P, H_out, W_out]`` (see :func:`local_correlation_size`).
    """
    check_feature_pair(feat_a, feat_b, 'feat_a', 'feat_b', same_size=True)
    _check_local_args(patch_size, dilation_patch, stride, padding,
                      chunk_bytes)
    if channel_sum not in ('matmul', 'sequential'):
        raise ValueError("channel_sum must be 'matmul' or 'sequential', got "
                         f'{channel_sum!r}')
    check_finite(feat_a, 'feat_a')
    check_finite(feat_b, 'feat_b')
    if use_mmcv is None:
        use_mmcv = (channel_sum == 'matmul' and feat_a.is_cuda
                    and mmcv_correlation_available())
    elif use_mmcv and channel_sum == 'sequential':
        raise ValueError("channel_sum='sequential' is a PyTorch path: pass "
                         'use_mmcv=None or False')
    elif use_mmcv and not feat_a.is_cuda:
        raise ValueError('use_mmcv=True needs CUDA tensors (mmcv\'s '
                         f'Correlation has no CPU kernel); feat_a is on '
                         f'{feat_a.device}. Pass use_mmcv=None or False.')
    if use_mmcv:
        from mmcv.ops.correlation import CorrelationFunction
        return CorrelationFunction.apply(feat_a.contiguous(),
                                         feat_b.contiguous(), 1,
                                         (patch_size - 1) // 2, stride,
                                         padding, 1, dilation_patch)
    if padding:
        pad = (padding, ) * 4
        feat_a, feat_b = F.pad(feat_a, pad), F.pad(feat_b, pad)
    if channel_sum == 'sequential':
        out = _sequential_local_correlation(feat_a, feat_b, patch_size,
                                            dilation_patch)
    else:
        out = _LocalCorrelation.apply(feat_a, feat_b, patch_size,
                                      dilation_patch, chunk_bytes)
    # stride > 1 (rare: the hot paths use 1) subsamples the dense result
    return out[..., ::stride, ::stride] if stride > 1 else out


def _sequential_local_correlation(feat_a: Tensor, feat_b: Tensor,
                                  patch_size: int, dilation: int) -> Tensor:
    """``[B, P, P, H, W]`` window dot products, channels added in order
    (``acc = acc + a_c * b_c``, each product rounded, no fused
    multiply-add), the windows of one channel at a time."""
    batch, channels, height, width = feat_a.shape
    radius = (patch_size - 1) // 2 * dilation
    out = feat_a.new_zeros(batch, patch_size * patch_size, height * width)
    for c in range(channels):
        windows = F.unfold(feat_b[:, c:c + 1], patch_size, dilation=dilation,
                           padding=radius)
        out = out + feat_a[:, c].reshape(batch, 1, -1) * windows
    return out.view(batch, patch_size, patch_size, height, width)


class _LocalWeightedSum(torch.autograd.Function):
    """The adjoint of the banded local correlation (see
    :func:`local_weighted_sum`)."""

    @staticmethod
    def forward(ctx, weights, values, dilation_patch, chunk_bytes):
        ctx.save_for_backward(weights, values)
        ctx.config = (dilation_patch, chunk_bytes)
        patch_size = weights.shape[1]
        out, _ = _banded_backward(values, values, weights, patch_size,
                                  dilation_patch, chunk_bytes, (True, False))
        return out

    @staticmethod
    def backward(ctx, grad_out):
        weights, values = ctx.saved_tensors
        dilation, chunk_bytes = ctx.config
        patch_size = weights.shape[1]
        grad_out = grad_out.contiguous()
        grad_w = grad_v = None
        if ctx.needs_input_grad[0]:
            grad_w = _banded_forward(grad_out, values, patch_size, dilation,
                                     chunk_bytes)
        if ctx.needs_input_grad[1]:
            _, grad_v = _banded_backward(grad_out, values, weights,
                                         patch_size, dilation, chunk_bytes,
                                         (False, True))
        return grad_w, grad_v, None, None


def local_weighted_sum(weights: Tensor,
                       values: Tensor,
                       dilation_patch: int = 1,
                       chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> Tensor:
    """Weighted sum of each position's ``P x P`` window of ``values``.

    ``out[b, l, y, x] = sum_{i, j} weights[b, i, j, y, x] * V[b, l, y + (i -
    R) * d, x + (j - R) * d]`` (zeros outside the map): an attention over
    :func:`local_correlation`'s windows applied to values, i.e. that
    correlation's adjoint in its first map. It runs the same banded matrix
    products, a bounded chunk at a time (pure PyTorch on every device), and
    has a backward (the weights' gradient is a local correlation).

    Args:
        weights (Tensor): ``[B, P, P, H, W]``, e.g. a softmax over windows.
        values (Tensor): ``[B, L, H, W]``.
        dilation_patch (int): Spacing of window cells, in pixels.
        chunk_bytes (int): Bound on each temporary.

    Returns:
        Tensor: ``[B, L, H, W]``.
    """
    check_tensor(weights, 'weights', '[B, P, P, H, W]', 5)
    check_tensor(values, 'values', '[B, L, H, W]', 4)
    batch, patch, patch_w, height, width = weights.shape
    if patch != patch_w or (batch, height, width) != (
            values.shape[0], values.shape[2], values.shape[3]):
        raise ValueError(f'weights must be [B, P, P, H, W] over values [B, '
                         f'L, H, W]: got {tuple(weights.shape)} and '
                         f'{tuple(values.shape)}')
    check_odd(patch, 'window size P')
    _check_local_args(patch, dilation_patch, chunk_bytes=chunk_bytes)
    if weights.dtype != values.dtype or weights.device != values.device:
        raise ValueError(f'weights ({weights.dtype}, {weights.device}) and '
                         f'values ({values.dtype}, {values.device}) must '
                         'share dtype and device')
    return _LocalWeightedSum.apply(weights.contiguous(), values.contiguous(),
                                   dilation_patch, chunk_bytes)


def _check_local_args(patch_size: int = 1, dilation_patch: int = 1,
                      stride: int = 1, padding: int = 0,
                      chunk_bytes: int = 1) -> None:
    """The integer arguments of :func:`local_correlation`, in pixels."""
    check_odd(patch_size, 'patch_size')
    check_int(dilation_patch, 'dilation_patch', 1)
    check_int(stride, 'stride', 1)
    check_int(padding, 'padding', 0)
    check_int(chunk_bytes, 'chunk_bytes', 1)


# --------------------------------------------------------------------------
# The banded-GEMM kernels. Notation: R = (P-1)//2, d = dilation_patch.
# Along x, positions are split by residue r = x mod d; within a residue class
# the window offsets are consecutive (step 1), so for a block of T consecutive
# positions the needed B columns form one span of T + P - 1 columns, and the
# P window products of each position lie on a band of the T x (T + P - 1)
# block product.
# --------------------------------------------------------------------------


def _min_block(patch_size: int) -> int:
    """Smallest block: spans then overlap only their neighbours."""
    return max(8, patch_size - 1)


def _rows_per_chunk(batch: int, width: int, block: int, span: int,
                    channels: int, itemsize: int, chunk_bytes: int) -> int:
    blocks = math.ceil(width / block)
    per_row = batch * blocks * block * max(span, channels) * itemsize
    return max(1, chunk_bytes // max(1, per_row))


def _windows(rows: Tensor, block: int, span: int, blocks: int) -> Tensor:
    """``[B, n, width, C]`` -> ``[B, n, blocks, span, C]`` overlapping spans."""
    batch, n, _, channels = rows.shape
    s = rows.stride()
    return rows.as_strided((batch, n, blocks, span, channels),
                           (s[0], s[1], block * s[2], s[2], s[3]))


def _band(product: Tensor, patch_size: int) -> Tensor:
    """``[..., T, T+P-1]`` -> ``[..., T, P]`` with ``out[t, j] = in[t, t+j]``."""
    size = product.shape[:-1] + (patch_size, )
    stride = product.stride()[:-2] + (product.stride(-2) + 1, 1)
    return product.as_strided(size, stride, product.storage_offset())


def _prepare(feat_a: Tensor, feat_b: Tensor, patch_size: int,
             dilation: int) -> Tuple[Tensor, Tensor]:
    """Channels-last A, and B zero-padded by ``R*d`` left and right."""
    radius = (patch_size - 1) // 2
    a = feat_a.permute(0, 2, 3, 1).contiguous()
    b = F.pad(feat_b, (radius * dilation, radius * dilation))
    return a, b.permute(0, 2, 3, 1).contiguous()


def _row_ranges(height: int, dy: int, rows_per_chunk: int):
    """Chunks ``[y0, y1)`` of A rows whose shifted row ``y + dy`` exists."""
    first, last = max(0, -dy), min(height, height - dy)
    for y0 in range(first, last, rows_per_chunk):
        yield y0, min(y0 + rows_per_chunk, last)


def _residue_slices(width: int, dilation: int, patch_size: int):
    """Per residue class ``r`` of x modulo d: its width, block size, count.

    The block size is the smallest one >= :func:`_min_block` that tiles the
    class with the fewest padding columns.
    """
    for r in range(min(dilation, width)):
        width_r = len(range(r, width, dilation))
        min_block = _min_block(patch_size)
        blocks = max(1, width_r // min_block)
        block = max(min_block, math.ceil(width_r / blocks))
        yield r, width_r, block, blocks


class _Chunk:
    """Rows ``[y0, y1)`` of residue class ``r`` against window row ``i``."""

    def __init__(self, a_r, b_r, i, dy, y0, y1, width_r, block, blocks,
                 patch_size):
        self.i, self.dy, self.y0, self.y1 = i, dy, y0, y1
        self.width_r, self.block, self.blocks = width_r, block, blocks
        self.span = block + patch_size - 1
        self._a_r, self._b_r = a_r, b_r

    def lhs(self) -> Tensor:
        """A rows as blocks: ``[B, n, blocks, T, C]``."""
        rows = self._a_r[:, self.y0:self.y1]
        rows = F.pad(rows, (0, 0, 0, self.blocks * self.block - self.width_r))
        return rows.reshape(rows.shape[0], rows.shape[1], self.blocks,
                            self.block, rows.shape[3])

    def rhs(self) -> Tensor:
        """Shifted B rows as overlapping spans: ``[B, n, blocks, T+P-1, C]``."""
        rows = self._b_r[:, self.y0 + self.dy:self.y1 + self.dy]
        needed = (self.blocks - 1) * self.block + self.span
        rows = F.pad(rows, (0, 0, 0, needed - rows.shape[2]))
        return _windows(rows, self.block, self.span, self.blocks)


def _chunks(a: Tensor, b: Tensor, patch_size: int, dilation: int,
            chunk_bytes: int):
    """Every (residue class, window row, row chunk) of the banded products.

    ``a`` is channels-last A ``[B, H, W, C]``; ``b`` is channels-last B padded
    by ``R*d`` columns on both sides. Yields :class:`_Chunk`.
    """
    batch, height, width, channels = a.shape
    radius = (patch_size - 1) // 2
    for r, width_r, block, blocks in _residue_slices(width, dilation,
                                                     patch_size):
        a_r, b_r = a[:, :, r::dilation], b[:, :, r::dilation]
        n_rows = _rows_per_chunk(batch, width_r, block,
                                 block + patch_size - 1, channels,
                                 a.element_size(), chunk_bytes)
        for i in range(patch_size):
            dy = (i - radius) * dilation
            for y0, y1 in _row_ranges(height, dy, n_rows):
                yield r, _Chunk(a_r, b_r, i, dy, y0, y1, width_r, block,
                                blocks, patch_size)


def _banded_forward(feat_a: Tensor, feat_b: Tensor, patch_size: int,
                    dilation: int, chunk_bytes: int) -> Tensor:
    batch, _, height, width = feat_a.shape
    a, b = _prepare(feat_a, feat_b, patch_size, dilation)
    out = feat_a.new_zeros(batch, patch_size, patch_size, height, width)
    for r, chunk in _chunks(a, b, patch_size, dilation, chunk_bytes):
        product = torch.matmul(chunk.lhs(), chunk.rhs().transpose(-1, -2))
        band = _band(product, patch_size).reshape(
            batch, chunk.y1 - chunk.y0, -1, patch_size)[:, :, :chunk.width_r]
        out[:, chunk.i, :, chunk.y0:chunk.y1, r::dilation] = \
            band.permute(0, 3, 1, 2)
    return out


def _banded_backward(feat_a: Tensor, feat_b: Tensor, grad_out: Tensor,
                     patch_size: int, dilation: int, chunk_bytes: int,
                     needs: Tuple[bool, bool]):
    batch, _, _, width = feat_a.shape
    a, b = _prepare(feat_a, feat_b, patch_size, dilation)
    grad_a = torch.zeros_like(a) if needs[0] else None
    grad_b = torch.zeros_like(b) if needs[1] else None
    for r, chunk in _chunks(a, b, patch_size, dilation, chunk_bytes):
        n, rows = chunk.y1 - chunk.y0, slice(chunk.y0, chunk.y1)
        # the band of grad_out, embedded in a zero block product
        g = grad_out[:, chunk.i, :, rows, r::dilation].permute(0, 2, 3, 1)
        g = F.pad(g, (0, 0, 0, chunk.blocks * chunk.block - chunk.width_r))
        full = g.new_zeros(batch, n, chunk.blocks, chunk.block, chunk.span)
        _band(full, patch_size).copy_(
            g.reshape(batch, n, chunk.blocks, chunk.block, patch_size))
        if grad_a is not None:
            ga = torch.matmul(full, chunk.rhs()).reshape(batch, n, -1,
                                                         a.shape[3])
            grad_a[:, rows, r::dilation] += ga[:, :, :chunk.width_r]
        if grad_b is not None:
            gb = torch.matmul(full.transpose(-1, -2), chunk.lhs())
            target = grad_b[:, chunk.y0 + chunk.dy:chunk.y1 + chunk.dy,
                            r::dilation]
            target += _overlap_add(gb, chunk.block)[:, :, :target.shape[2]]
    if grad_a is not None:
        grad_a = grad_a.permute(0, 3, 1, 2)
    if grad_b is not None:
        pad = (patch_size - 1) // 2 * dilation
        grad_b = grad_b.permute(0, 3, 1, 2)[..., pad:pad + width]
    return grad_a, grad_b


def _overlap_add(windows: Tensor, block: int) -> Tensor:
    """Sum overlapping spans ``[B, n, blocks, span, C]`` into one row.

    Span ``k`` starts at column ``k * block``; since ``span - block <= block``
    only neighbouring spans overlap, so the heads and the tails are each
    disjoint and two additions suffice. Returns ``[B, n, (blocks+1)*block, C]``.
    """
    batch, n, blocks, span, channels = windows.shape
    out = windows.new_zeros(batch, n, (blocks + 1) * block, channels)
    out[:, :, :blocks * block] += windows[:, :, :, :block].reshape(
        batch, n, blocks * block, channels)
    tail = F.pad(windows[:, :, :, block:], (0, 0, 0, 2 * block - span))
    out[:, :, block:] += tail.reshape(batch, n, blocks * block, channels)
    return out
