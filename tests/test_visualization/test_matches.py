# Copyright (c) mmcorr contributors. All rights reserved.
"""mmcorr.visualization.matches: top_matches and draw_matches."""
import numpy as np
import pytest
import torch
from correspondence_fixtures import make_result, shifted_result

from mmcorr.ops import identity_grid
from mmcorr.visualization import draw_matches, top_matches


def test_top_matches_ranks_by_cycle_error_and_filters():
    shape = (24, 24)
    base = identity_grid(*shape, torch.zeros((), dtype=torch.float64))[0]
    t2s = base.clone()
    # the cycle error grows to the right: t2s adds x^2 / 50 px
    xs = torch.arange(24, dtype=torch.float64)
    t2s[..., 0] += (xs**2 / 50) * 2 / 23
    result = make_result(shape, shape, grid_hw=shape, grid_t2s=t2s)
    src, tgt, err = top_matches(result, 5, step=4)
    assert src.shape == tgt.shape == (5, 2) and err.shape == (5, )
    assert (np.diff(err) >= 0).all()
    assert (src[:, 0] == 2).all()  # the leftmost sampled column
    np.testing.assert_allclose(tgt, src, atol=1e-9)  # s2t is the identity
    mask = np.zeros(shape, np.uint8)
    mask[:, 10:] = 1
    src_m, _, _ = top_matches(result, 100, step=4, mask=mask)
    assert len(src_m) == 6 * 4 and (src_m[:, 0] >= 10).all()
    with pytest.raises(ValueError, match='n must'):
        top_matches(result, 0)
    with pytest.raises(ValueError, match='mask'):
        top_matches(result, 3, mask=np.zeros((3, 3)))


def test_top_matches_drops_matches_outside_the_target():
    result = shifted_result((10, 16), 5, -5)
    src, tgt, _ = top_matches(result, 1000, step=1)
    assert (tgt[:, 0] <= 15 + 1e-9).all() and (src[:, 0] <= 10).all()
    assert len(src) == 10 * 11


def test_draw_matches():
    src = np.full((20, 30, 3), 50, np.uint8)
    tgt = np.full((26, 10), 100, np.uint8)
    canvas = draw_matches(src, tgt, [[5, 5], [10, np.nan]], [[2, 20], [1, 1]],
                          colors=(0, 0, 255), radius=2)
    assert canvas.shape == (26, 40, 3) and canvas.dtype == np.uint8
    assert (canvas[21:, :25] == 0).all()  # below the shorter image
    assert tuple(canvas[5, 5]) != (50, 50, 50)  # a drawn end point
    assert tuple(canvas[20, 32]) != (100, 100, 100)  # its match (x + 30)
    assert (canvas[:, 30:][canvas[:, 30:, 2] > 150][:, 2] > 0).any()
    empty = draw_matches(src, tgt, np.zeros((0, 2)), np.zeros((0, 2)))
    assert empty.shape == (26, 40, 3)
    with pytest.raises(ValueError, match='both be'):
        draw_matches(src, tgt, [[1, 1]], [[1, 1], [2, 2]])
    with pytest.raises(ValueError, match='colors'):
        draw_matches(src, tgt, [[1, 1]], [[1, 1]], colors=[[1, 2]])
    with pytest.raises(ValueError, match='uint8'):
        draw_matches(src.astype(float), tgt, [[1, 1]], [[1, 1]])
