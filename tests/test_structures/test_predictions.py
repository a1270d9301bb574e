# Copyright (c) mmcorr contributors. All rights reserved.
"""Predictions brought back to the image's pixels through the recorded
mapping (resize, flip, pad), against closed forms."""
import cv2
import numpy as np
import pytest

from mmcorr.ops.coordinates import (flip_homography, resize_homography,
                                    translation_homography)
from mmcorr.structures import ViewDataSample
from mmcorr.structures.predictions import undo_resize


def _view(matrix=None):
    meta = {} if matrix is None else dict(homography_matrix=matrix)
    return ViewDataSample(metainfo=meta)


def test_a_resize_is_cv2s_bilinear_resize():
    rng = np.random.default_rng(0)
    small = rng.random((12, 16)).astype(np.float32)
    view = _view(resize_homography((30, 50), (12, 16)))
    out = undo_resize(small, view, (30, 50), 'bilinear')
    expected = cv2.resize(small, (50, 30), interpolation=cv2.INTER_LINEAR)
    assert out.dtype == np.float32 and out.shape == (30, 50)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-6)


def test_a_flip_and_a_pad_are_undone_exactly():
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 5, (9, 13)).astype(np.int64)
    flipped = undo_resize(ids[:, ::-1].copy(),
                          _view(flip_homography((9, 13), 'horizontal')),
                          (9, 13))
    np.testing.assert_array_equal(flipped, ids)
    assert flipped.dtype == np.int64
    padded = np.pad(ids, ((3, 1), (2, 4)), constant_values=7)
    out = undo_resize(padded, _view(translation_homography(2, 3)), (9, 13))
    np.testing.assert_array_equal(out, ids)


def test_identity_returns_the_array_and_bool_stays_bool():
    mask = np.eye(4, dtype=bool)
    assert undo_resize(mask, _view(), (4, 4)) is mask
    big = undo_resize(mask, _view(resize_homography((8, 8), (4, 4))),
                      (8, 8))
    assert big.dtype == bool and big.shape == (8, 8)
    np.testing.assert_array_equal(big, np.kron(np.eye(4), np.ones((2, 2)))
                                  .astype(bool))


@pytest.mark.parametrize('channels', [1, 3])
def test_channels_last_maps(channels):
    pred = np.arange(4 * 6 * channels, dtype=np.float64).reshape(
        4, 6, channels)
    out = undo_resize(pred, _view(translation_homography(-1, 0)), (4, 7))
    assert out.shape == (4, 7, channels)
    np.testing.assert_array_equal(out[:, 1:], pred)
