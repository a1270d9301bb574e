# Copyright (c) mmcorr contributors. All rights reserved.
"""The windowed memory reader against a loop-by-loop reference."""
import math

import pytest
import torch
from references import bilinear

from mmcorr.models.layers import WindowedMemoryReader, memory_gaps


def brute_offset(query, key, size, dilation, beta):
    """Coarse soft argmax at every pixel: [2, h, w] (x, y) in pixels."""
    _, height, width = query.shape
    radius = (size - 1) // 2
    offset = torch.zeros(2, height, width, dtype=query.dtype)
    for y in range(height):
        for x in range(width):
            scores, cells = [], []
            for i in range(size):
                for j in range(size):
                    yy, xx = y + (i - radius) * dilation, \
                        x + (j - radius) * dilation
                    inside = 0 <= yy < height and 0 <= xx < width
                    scores.append(beta * float(query[:, y, x] @ key[:, yy, xx])
                                  if inside else 0.0)
                    cells.append(((j - radius) * dilation,
                                  (i - radius) * dilation))
            prob = torch.softmax(torch.tensor(scores, dtype=query.dtype), 0)
            offset[:, y, x] = prob @ torch.tensor(cells, dtype=query.dtype)
    return offset


def brute_read(query, keys, values, gaps, window, reader):
    """The memory read of one sample, pixel by pixel (float64)."""
    _, height, width = query.shape
    radius = (window - 1) // 2
    scale = 1 / math.sqrt(query.shape[0]) if reader.scaled_affinity else 1.0
    offsets = []
    for key, gap in zip(keys, gaps):
        dilation = reader.coarse_dilation(gap)
        offsets.append(None if dilation is None else brute_offset(
            query, key, reader.search_window_size, dilation, scale))
    far = [o for o in offsets if o is not None]
    value_offsets = [far[-1] if o is not None and
                     reader.far_labels_at_last_offset else o for o in offsets]

    def at(image, offset, y, x, i, j):
        if offset is None:  # integer window, zeros outside
            yy, xx = y + i - radius, x + j - radius
            if 0 <= yy < height and 0 <= xx < width:
                return image[:, yy, xx]
            return torch.zeros(image.shape[0], dtype=image.dtype)
        px = x + float(offset[0, y, x]) + j - radius
        py = y + float(offset[1, y, x]) + i - radius
        if not reader.far_window_align_corners:  # the half-pixel shift
            px = px * width / (width - 1) - 0.5
            py = py * height / (height - 1) - 0.5
        return bilinear(image, px, py)

    out = torch.zeros(values[0].shape[0], height, width, dtype=query.dtype)
    for y in range(height):
        for x in range(width):
            scores, cells = [], []
            for key, value, offset, value_offset in zip(
                    keys, values, offsets, value_offsets):
                for i in range(window):
                    for j in range(window):
                        scores.append(scale * float(
                            query[:, y, x] @ at(key, offset, y, x, i, j)))
                        cells.append(at(value, value_offset, y, x, i, j))
            prob = torch.softmax(torch.tensor(scores, dtype=query.dtype), 0)
            out[:, y, x] = (prob[:, None] * torch.stack(cells)).sum(0)
    return out


def memory(seed=0, frames=3, channels=4, size=(6, 7), labels=3):
    gen = torch.Generator().manual_seed(seed)
    query = torch.randn(1, channels, *size, generator=gen, dtype=torch.float64)
    keys = [torch.randn(1, channels, *size, generator=gen,
                        dtype=torch.float64) for _ in range(frames)]
    values = [torch.rand(1, labels, *size, generator=gen,
                         dtype=torch.float64) for _ in range(frames)]
    return query, keys, values


@pytest.mark.parametrize('options', [
    dict(),
    dict(scaled_affinity=True),
    dict(far_labels_at_last_offset=True, far_window_align_corners=False),
])
def test_reader_matches_pixel_by_pixel_reference(options):
    reader = WindowedMemoryReader(long_term_gap=3, search_window_size=5,
                                  **options)
    query, keys, values = memory()
    gaps = (9, 5, 1)  # two far frames (dilations 4 and 2), one near
    assert [reader.coarse_dilation(g) for g in gaps] == [4, 2, None]
    out = reader(query, keys, values, gaps, window_size=3)
    expected = brute_read(query[0], [k[0] for k in keys],
                          [v[0] for v in values], gaps, 3, reader)
    torch.testing.assert_close(out[0], expected, rtol=0, atol=1e-10)


def test_far_label_offset_option_changes_only_far_values():
    query, keys, values = memory(seed=1)
    kwargs = dict(long_term_gap=3, search_window_size=5)
    fixed = WindowedMemoryReader(**kwargs)
    legacy = WindowedMemoryReader(far_labels_at_last_offset=True, **kwargs)
    # a single far frame: its own offset is the last one
    one_far = (9, 2, 1)
    torch.testing.assert_close(legacy(query, keys, values, one_far, 3),
                               fixed(query, keys, values, one_far, 3))
    two_far = (9, 5, 1)
    assert not torch.allclose(legacy(query, keys, values, two_far, 3),
                              fixed(query, keys, values, two_far, 3))


def test_chunked_windows_equal_one_piece():
    query, keys, values = memory(seed=2)
    gaps = (20, 1, 3)
    whole = WindowedMemoryReader(long_term_gap=15)(query, keys, values, gaps,
                                                   5)
    tiny = WindowedMemoryReader(long_term_gap=15, chunk_bytes=1)(
        query, keys, values, gaps, 5)
    torch.testing.assert_close(tiny, whole, rtol=0, atol=1e-12)


def test_coarse_dilation_follows_the_gap():
    reader = WindowedMemoryReader()
    assert [reader.coarse_dilation(g)
            for g in (1, 15, 16, 29, 30, 44, 45, 200)] == \
        [None, None, 2, 2, 3, 3, 4, 4]


def test_values_of_one_hot_labels_stay_a_distribution():
    query, keys, _ = memory(seed=3, labels=1)
    values = [torch.nn.functional.one_hot(
        torch.randint(0, 4, (1, 6, 7)), 4).permute(0, 3, 1, 2).double()
        for _ in keys]
    out = WindowedMemoryReader(long_term_gap=2)(query, keys, values,
                                                 (7, 2, 1), 3)
    # zero-padded windows lose mass at the border only
    torch.testing.assert_close(out.sum(1)[:, 2:-2, 2:-2],
                               torch.ones(1, 2, 3, dtype=torch.float64))


def test_bad_memory_is_refused():
    reader = WindowedMemoryReader()
    query, keys, values = memory()
    with pytest.raises(ValueError, match='as many keys, values and gaps'):
        reader(query, keys, values[:2], (3, 2, 1), 3)
    with pytest.raises(ValueError, match='memory key 1'):
        reader(query, [keys[0], keys[1][..., :5]], values[:2], (2, 1), 3)
    with pytest.raises(ValueError, match='memory value 0'):
        reader(query, keys[:1], [values[0][..., :5]], (1, ), 3)
    with pytest.raises(ValueError, match='gap 0'):
        reader(query, keys[:1], values[:1], (0, ), 3)
    with pytest.raises(ValueError, match='must all come before'):
        memory_gaps([0, 5], 5)
    with pytest.raises(ValueError, match='search_window_size must be odd'):
        WindowedMemoryReader(search_window_size=4)
