# Copyright (c) mmcorr contributors. All rights reserved.
"""MAST's memory read: windowed attention over several memory frames.

Every query pixel of the current frame attends to a ``P x P`` window of
every memory frame (keys: stride-4 features; values: labels or a colour
channel at the same stride). One softmax runs over the windows of all
memory frames together, and the values are averaged with those weights.

- A **near** frame (``gap <= long_term_gap``) is searched around the query
  pixel itself (:func:`mmcorr.ops.local_correlation`).
- A **far** frame first gets an offset per query pixel from a coarse,
  dilated ``S x S`` correlation and its soft argmax
  (:func:`mmcorr.ops.window_soft_argmax`, dilation
  ``min(max_dilation, gap // long_term_gap + 1)``); the fine window is then
  sampled bilinearly around ``pixel + offset``: the key windows' dot
  products by :func:`mmcorr.ops.patch_correlation`, the value windows by
  :func:`mmcorr.ops.sample_patches` (near frames' values are averaged by
  :func:`mmcorr.ops.local_weighted_sum`).

The official code samples each far key window in one piece (a ``C x P^2``
copy of the key map: about 4 GB per far frame at 480p); here the key dot
products are dense matrix products tile by tile, and value windows are
sampled a few rows at a time, within ``chunk_bytes``, with the same result.
"""
import math
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from mmcorr.ops import (local_correlation, local_weighted_sum,
                        patch_correlation, sample_patches, window_soft_argmax)
from mmcorr.registry import MODELS
from .precision import float32_region, full_precision

__all__ = ['WindowedMemoryReader', 'memory_gaps']


@MODELS.register_module()
class WindowedMemoryReader(nn.Module):
    """Read a memory of frames with local (near) and ROI (far) windows.

    Args:
        long_term_gap (int): Frames more than this many frames before the
            query are "far" (MAST: 15).
        search_window_size (int): Side ``S`` of the coarse window of far
            frames (MAST: 25).
        max_dilation (int): Cap of the coarse window's dilation (MAST: 4).
        scaled_affinity (bool): Divide every key dot product by
            ``sqrt(C)`` before its softmax (MAMP's fix that lets MAST train
            on current PyTorch). The official model uses raw dot products:
            ``False``.
        far_labels_at_last_offset (bool): Reproduce zlai0/MAST#17: the
            official code samples the VALUES of every far frame at the
            offset of the last far frame (in memory order), while their
            keys use their own. ``False`` (default) uses each frame's own
            offset.
        far_window_align_corners (bool): Sample far windows with
            ``align_corners=True``, matching how their positions are
            normalised. ``False`` reproduces the official ``grid_sample``
            call without the argument (``False`` since PyTorch 1.3): a
            half-pixel shift of the far windows.
        chunk_bytes (int): Bound on each sampled value-window block, in
            bytes.
        channel_sum (str): How the near and coarse correlations add the
            key channels (:func:`mmcorr.ops.local_correlation`):
            ``'matmul'`` (default) or ``'sequential'``, the order of the
            official sampler's kernel. The official model's dot products
            reach hundreds, so its softmax is nearly an argmax and float32
            rounding order shows in the output (up to 7e-4 on the parity
            fixture with ``'matmul'``, 6e-5 with ``'sequential'``).
    """

    def __init__(self,
                 long_term_gap: int = 15,
                 search_window_size: int = 25,
                 max_dilation: int = 4,
                 scaled_affinity: bool = False,
                 far_labels_at_last_offset: bool = False,
                 far_window_align_corners: bool = True,
                 chunk_bytes: int = 64 * 2**20,
                 channel_sum: str = 'matmul'):
        super().__init__()
        for name, value in (('long_term_gap', long_term_gap),
                            ('search_window_size', search_window_size),
                            ('max_dilation', max_dilation),
                            ('chunk_bytes', chunk_bytes)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be a positive int, got '
                                 f'{value!r}')
        if search_window_size % 2 == 0:
            raise ValueError('search_window_size must be odd, got '
                             f'{search_window_size}')
        self.long_term_gap = long_term_gap
        self.search_window_size = search_window_size
        self.max_dilation = max_dilation
        self.scaled_affinity = scaled_affinity
        self.far_labels_at_last_offset = far_labels_at_last_offset
        self.far_window_align_corners = far_window_align_corners
        self.chunk_bytes = chunk_bytes
        if channel_sum not in ('matmul', 'sequential'):
            raise ValueError("channel_sum must be 'matmul' or 'sequential', "
                             f'got {channel_sum!r}')
        self.channel_sum = channel_sum

    def coarse_dilation(self, gap: int) -> Optional[int]:
        """The coarse window's dilation for a frame ``gap`` frames back;
        ``None`` for a near frame."""
        if gap <= self.long_term_gap:
            return None
        return min(self.max_dilation, gap // self.long_term_gap + 1)

    def forward(self, query_key: Tensor, memory_keys: Sequence[Tensor],
                memory_values: Sequence[Tensor], gaps: Sequence[int],
                window_size: int) -> Tensor:
        """Attend from the query frame to the memory, average the values.

        Args:
            query_key (Tensor): ``[B, C, h, w]`` keys of the current frame.
            memory_keys (list[Tensor]): ``K`` maps ``[B, C, h, w]``.
            memory_values (list[Tensor]): ``K`` maps ``[B, L, h, w]``
                (one-hot labels, or a colour channel), on the key grid.
            gaps (list[int]): Frames between each memory frame and the
                query (``>= 1``).
            window_size (int): Side ``P`` of every frame's window, odd
                (MAST: 13 in training, 25 at test).

        Returns:
            Tensor: ``[B, L, h, w]``, the attention-weighted values. Under
            autocast (bfloat16 training) the read runs in float32: one
            softmax over thousands of candidates needs float32's mantissa.
        """
        with float32_region(query_key):
            return self._read(
                full_precision(query_key),
                [full_precision(key) for key in memory_keys],
                [full_precision(value) for value in memory_values], gaps,
                window_size)

    def _read(self, query_key: Tensor, memory_keys: Sequence[Tensor],
              memory_values: Sequence[Tensor], gaps: Sequence[int],
              window_size: int) -> Tensor:
        self._check(query_key, memory_keys, memory_values, gaps)
        offsets = [self._far_offset(query_key, key, gap)
                   for key, gap in zip(memory_keys, gaps)]
        scores = [
            self._scores(query_key, key, offset, window_size)
            for key, offset in zip(memory_keys, offsets)
        ]
        weights = torch.softmax(torch.cat(scores, dim=1), dim=1)
        value_offsets = self._value_offsets(offsets)
        out = 0
        cells = window_size * window_size
        for k, (value, offset) in enumerate(zip(memory_values,
                                                value_offsets)):
            out = out + self._aggregate(
                value, offset, weights[:, k * cells:(k + 1) * cells],
                window_size)
        return out

    def _check(self, query_key: Tensor, memory_keys: Sequence[Tensor],
               memory_values: Sequence[Tensor], gaps: Sequence[int]) -> None:
        if not (len(memory_keys) == len(memory_values) == len(gaps) >= 1):
            raise ValueError(
                'the memory needs as many keys, values and gaps, at least '
                f'one: got {len(memory_keys)} keys, {len(memory_values)} '
                f'values, {len(gaps)} gaps')
        for k, (key, value, gap) in enumerate(
                zip(memory_keys, memory_values, gaps)):
            if key.shape != query_key.shape:
                raise ValueError(f'memory key {k} is {tuple(key.shape)}, '
                                 f'the query key {tuple(query_key.shape)}')
            if value.dim() != 4 or value.shape[0] != key.shape[0] or \
                    value.shape[2:] != key.shape[2:]:
                raise ValueError(f'memory value {k} must be [B, L, '
                                 f'{key.shape[2]}, {key.shape[3]}] (the key '
                                 f'grid), got {tuple(value.shape)}')
            if not isinstance(gap, int) or gap < 1:
                raise ValueError(f'gap {k} must be an int >= 1 (frames '
                                 f'before the query), got {gap!r}')

    def _affinity_scale(self, channels: int) -> float:
        return 1 / math.sqrt(channels) if self.scaled_affinity else 1.0

    def _far_offset(self, query_key: Tensor, key: Tensor,
                    gap: int) -> Optional[Tensor]:
        """``[B, 2, h, w]`` offsets (x, y) in key pixels, or ``None``."""
        dilation = self.coarse_dilation(gap)
        if dilation is None:
            return None
        coarse = local_correlation(query_key, key, self.search_window_size,
                                   dilation_patch=dilation,
                                   channel_sum=self.channel_sum)
        scale = self._affinity_scale(key.shape[1])
        return window_soft_argmax(coarse, dilation, beta=scale)

    def _row_chunks(self, tensor: Tensor, window_size: int) -> List[range]:
        """Window-row ranges whose sampled block fits ``chunk_bytes``."""
        batch, channels, height, width = tensor.shape
        row_bytes = (batch * channels * window_size * height * width *
                     tensor.element_size())
        step = max(1, min(window_size, self.chunk_bytes // max(row_bytes, 1)))
        return [range(a, min(a + step, window_size))
                for a in range(0, window_size, step)]

    def _scores(self, query_key: Tensor, key: Tensor,
                offset: Optional[Tensor], window_size: int) -> Tensor:
        """``[B, P*P, h, w]`` scaled dot products with the window."""
        batch, channels, height, width = key.shape
        if offset is None:
            scores = local_correlation(query_key, key, window_size,
                                       channel_sum=self.channel_sum)
            scores = scores.view(batch, -1, height, width)
        else:
            scores = patch_correlation(
                query_key,
                key,
                offset,
                window_size,
                align_corners=self.far_window_align_corners)
        return scores * self._affinity_scale(channels)

    def _value_offsets(self, offsets: List[Optional[Tensor]]
                       ) -> List[Optional[Tensor]]:
        """Where each frame's values are sampled (zlai0/MAST#17 option)."""
        far = [offset for offset in offsets if offset is not None]
        if not self.far_labels_at_last_offset or not far:
            return offsets
        return [far[-1] if offset is not None else None
                for offset in offsets]

    def _aggregate(self, value: Tensor, offset: Optional[Tensor],
                   weights: Tensor, window_size: int) -> Tensor:
        """``sum_n weights[:, n] * window(value)[:, :, n]``: ``[B, L, h, w]``."""
        if offset is None:
            batch, _, height, width = weights.shape
            return local_weighted_sum(
                weights.reshape(batch, window_size, window_size, height,
                                width), value)
        out = 0
        for rows in self._row_chunks(value, window_size):
            cells = slice(rows.start * window_size, rows.stop * window_size)
            patches = sample_patches(
                value,
                offset,
                window_size,
                align_corners=self.far_window_align_corners,
                window_rows=rows)
            out = out + (patches * weights[:, None, cells]).sum(2)
        return out


def memory_gaps(memory_indices: Sequence[int],
                current_index: int) -> Tuple[int, ...]:
    """Frame gaps ``current_index - i`` of memory frames before the query."""
    gaps = tuple(current_index - int(i) for i in memory_indices)
    if any(gap < 1 for gap in gaps):
        raise ValueError(f'memory frames {list(memory_indices)} must all '
                         f'come before the current frame {current_index}')
    return gaps
