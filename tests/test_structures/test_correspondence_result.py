# Copyright (c) mmcorr contributors. All rights reserved.
"""CorrespondenceResult without a model: coordinate mapping through the
recorded geometry, point transfer, validation and cycle-error confidence.

The results carry the geometry a test pipeline records (``RecordedResize``:
``x' = (x + 0.5) W' / W - 0.5``; ``RecordedPad``: a shift by the left / top
margins), built by hand."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from correspondence_fixtures import (make_result, pixel_lattice,
                                     protocol_matrix, shift_matrix,
                                     shifted_result)

from mmcorr.structures import CorrespondenceResult


# ------------------------------------------------------ coordinate mapping
@pytest.mark.parametrize('resized,pad', [(None, 0), ((288, 288), 16),
                                         ((64, 96), 0), ((40, 40), 8)])
def test_identity_grid_maps_every_pixel_to_itself(resized, pad):
    shape = (50, 70)
    result = make_result(shape, shape, resized, pad)
    dense = result.dense_s2t()
    assert dense.shape == (50, 70, 2) and dense.dtype == np.float64
    np.testing.assert_allclose(dense, pixel_lattice(shape), atol=1e-9)
    np.testing.assert_allclose(result.dense_t2s(), pixel_lattice(shape),
                               atol=1e-9)


def in_input(result, from_image):
    """Pixels of ``from_image`` whose network-input position lies within
    the input's pixel centres (outside, the grid's border value is
    read)."""
    shape, matrix = ((result.src_shape, result.src_homography)
                     if from_image == 'source' else
                     (result.tgt_shape, result.tgt_homography))
    moved = pixel_lattice(shape) @ matrix[:2, :2].T + matrix[:2, 2]
    h_in, w_in = result.input_shape
    return ((moved >= 0) & (moved <= [w_in - 1, h_in - 1])).all(-1)


@pytest.mark.parametrize('resized,pad', [(None, 0), ((288, 288), 16),
                                         ((33, 47), 5)])
def test_identity_grid_scales_between_sizes(resized, pad):
    """Both images resized to one size: pixel edges stay aligned, so the
    identity maps ``x`` to ``(x + 0.5) W_t / W_s - 0.5`` whatever the
    network size and padding."""
    src_shape, tgt_shape = (50, 70), (101, 35)
    result = make_result(src_shape, tgt_shape, resized or src_shape, pad)
    expected = (pixel_lattice(src_shape) + 0.5) * [35 / 70, 101 / 50] - 0.5
    np.testing.assert_allclose(result.dense_s2t(), expected, atol=1e-9)
    back = (pixel_lattice(tgt_shape) + 0.5) * [70 / 35, 50 / 101] - 0.5
    inside = in_input(result, 'target')
    assert inside.all() == (pad > 0)
    np.testing.assert_allclose(result.dense_t2s()[inside], back[inside],
                               atol=1e-9)
    if pad == 0:
        # the outer half pixel of the downscaled target lies outside the
        # input's pixel centres: it reads the grid's border, the source's
        # first row (not -0.25)
        assert not inside[0].any() and inside[1:-1, 1:-1].all()
        np.testing.assert_allclose(result.dense_t2s()[0, :, 1], 0,
                                   atol=1e-9)


def test_pad_protocol_matches_the_documented_formula():
    """SFNet's 288 + 16 protocol, literally: upsample the grid to the
    320 x 320 input (align_corners=True), read it at source pixel + 16, then
    undo the target's pad and resize: ``((g + 1) / 2 * 319 - 16 + 0.5) *
    orig / 288 - 0.5``."""
    gen = torch.Generator().manual_seed(0)
    grid = torch.rand(20, 20, 2, generator=gen, dtype=torch.float64) * 2 - 1
    src_shape, tgt_shape = (288, 288), (123, 457)  # source needs no resize
    result = make_result(src_shape, tgt_shape, (288, 288), 16,
                         grid_s2t=grid)
    np.testing.assert_allclose(result.src_homography, shift_matrix(16, 16))
    up = F.interpolate(grid.permute(2, 0, 1)[None], size=(320, 320),
                       mode='bilinear', align_corners=True)[0]
    g = up[:, 16:304, 16:304].permute(1, 2, 0).numpy()  # source pixels
    expected = ((g + 1) / 2 * 319 - 16 + 0.5) * [457 / 288, 123 / 288] - 0.5
    np.testing.assert_allclose(result.dense_s2t(), expected, atol=1e-9)


def apply_by_hand(matrix, x, y):
    w = matrix[2, 0] * x + matrix[2, 1] * y + matrix[2, 2]
    return ((matrix[0, 0] * x + matrix[0, 1] * y + matrix[0, 2]) / w,
            (matrix[1, 0] * x + matrix[1, 1] * y + matrix[1, 2]) / w)


def brute_force_transfer(result, points, from_image):
    """Per point, by hand: original -> input pixel -> feature cell ->
    bilinear read (clamped) -> input pixel of the other image -> its
    original pixel."""
    if from_image == 'source':
        grid, a, b = (result.grid_s2t, result.src_homography,
                      result.tgt_homography)
    else:
        grid, a, b = (result.grid_t2s, result.tgt_homography,
                      result.src_homography)
    grid = grid.double().numpy()
    hf, wf = grid.shape[:2]
    h_in, w_in = result.input_shape
    inverse = np.linalg.inv(b)
    out = []
    for x, y in points:
        x_in, y_in = apply_by_hand(a, x, y)
        u = min(max(x_in * (wf - 1) / (w_in - 1), 0), wf - 1)
        v = min(max(y_in * (hf - 1) / (h_in - 1), 0), hf - 1)
        u0, v0 = min(int(u), wf - 2), min(int(v), hf - 2)
        du, dv = u - u0, v - v0
        g = (grid[v0, u0] * (1 - du) * (1 - dv) + grid[v0, u0 + 1] * du *
             (1 - dv) + grid[v0 + 1, u0] * (1 - du) * dv +
             grid[v0 + 1, u0 + 1] * du * dv)
        out.append(apply_by_hand(inverse, (g[0] + 1) / 2 * (w_in - 1),
                                 (g[1] + 1) / 2 * (h_in - 1)))
    return np.array(out)


@pytest.mark.parametrize('from_image', ['source', 'target'])
@pytest.mark.parametrize('perspective', [False, True])
def test_transfer_points_matches_brute_force(from_image, perspective):
    gen = torch.Generator().manual_seed(1)
    grids = torch.rand(2, 20, 20, 2, generator=gen) * 2 - 1  # float32
    src_shape, tgt_shape = (97, 131), (60, 45)
    tgt_homography = protocol_matrix(tgt_shape, (288, 288), 16)
    if perspective:  # any invertible homography is undone
        tgt_homography = np.array([[1., 0.05, 2], [-0.03, 1, 1],
                                   [2e-4, -1e-4, 1]]) @ tgt_homography
    result = make_result(src_shape, tgt_shape, (288, 288), 16,
                         grid_s2t=grids[0], grid_t2s=grids[1],
                         tgt_homography=tgt_homography)
    shape = src_shape if from_image == 'source' else tgt_shape
    rng = np.random.default_rng(0)
    points = rng.uniform(0, 1, (50, 2)) * [shape[1] - 1, shape[0] - 1]
    points[:4] = [[0, 0], [shape[1] - 1, shape[0] - 1], [0, shape[0] - 1],
                  [-0.5, 2.0]]  # corners and one point on the outer edge
    got = result.transfer_points(points, from_image=from_image)
    assert got.shape == (50, 2) and got.dtype == np.float64
    np.testing.assert_allclose(
        got, brute_force_transfer(result, points, from_image), atol=1e-9)
    # at integer pixels it is the dense map
    dense = result.dense_s2t() if from_image == 'source' else \
        result.dense_t2s()
    pix = np.array([[0, 0], [5, 7], [shape[1] - 1, shape[0] - 1]])
    np.testing.assert_allclose(result.transfer_points(pix, from_image),
                               dense[pix[:, 1], pix[:, 0]], atol=1e-12)


def test_transfer_points_validation():
    result = make_result((10, 10), (10, 10))
    assert result.transfer_points([2.0, 3.0]).shape == (1, 2)
    np.testing.assert_allclose(result.transfer_points([2.0, 3.0]),
                               [[2.0, 3.0]], atol=1e-9)
    with pytest.raises(ValueError, match=r'\(K, 2\)'):
        result.transfer_points(np.zeros((3, 3)))
    with pytest.raises(ValueError, match='finite'):
        result.transfer_points([[np.nan, 1.0]])
    with pytest.raises(ValueError, match='from_image must be one of'):
        result.transfer_points([[1.0, 1.0]], from_image='forward')
    with pytest.raises(ValueError, match='from_image'):
        result.transfer_points([[1.0, 1.0]], 's2t')  # the old direction


def test_points_outside_the_image_are_named_or_clamped():
    """(5000, 5000) in a 10 x 8 image is not silently read at the corner:
    an error names it; outside='clamp' reads the nearest border pixel."""
    gen = torch.Generator().manual_seed(2)
    result = make_result((8, 10), (12, 9),
                         grid_s2t=torch.rand(6, 6, 2, generator=gen) * 2 - 1)
    with pytest.raises(ValueError, match=r'1 point\(s\) lie outside the '
                       r'source image \(10 x 8 pixels\), e\.g\. '
                       r'points_xy\[1\] = \(5000\.0, 5000\.0\)'):
        result.transfer_points([[1.0, 1.0], [5000.0, 5000.0]])
    with pytest.raises(ValueError, match='outside the target image'):
        result.transfer_points([[-0.6, 3.0]], from_image='target')
    np.testing.assert_allclose(
        result.transfer_points([[5000.0, -20.0]], outside='clamp'),
        result.transfer_points([[9.0, 0.0]]))
    assert result.transfer_points([[9.5, 7.5]]).shape == (1, 2)  # edge
    with pytest.raises(ValueError, match="'error' or 'clamp'"):
        result.transfer_points([[1.0, 1.0]], outside='wrap')


def test_result_validation():
    grid = torch.zeros(4, 4, 2)
    eye = np.eye(3)
    with pytest.raises(ValueError, match='grid_s2t'):
        CorrespondenceResult(torch.zeros(4, 4, 3), grid, (8, 8), (8, 8),
                             (8, 8), eye, eye)
    with pytest.raises(ValueError, match='grid_t2s'):
        CorrespondenceResult(grid, np.zeros((4, 4, 2)), (8, 8), (8, 8),
                             (8, 8), eye, eye)
    with pytest.raises(ValueError, match='src_homography'):
        CorrespondenceResult(grid, grid, (8, 8), (8, 8), (8, 8),
                             np.zeros((3, 3)), eye)
    with pytest.raises(ValueError, match='tgt_homography'):
        CorrespondenceResult(grid, grid, (8, 8), (8, 8), (8, 8), eye,
                             np.eye(2))
    with pytest.raises(ValueError, match='tgt_homography'):
        CorrespondenceResult(grid, grid, (8, 8), (8, 8), (8, 8), eye,
                             np.full((3, 3), np.inf))
    with pytest.raises(ValueError, match='tgt_shape'):
        CorrespondenceResult(grid, grid, (8, 8), (1, 8), (8, 8), eye, eye)
    with pytest.raises(ValueError, match='input_shape'):
        CorrespondenceResult(grid, grid, (8, 8), (8, 8), (8, ), eye, eye)
    result = CorrespondenceResult(grid, grid, [8, 9], (8, 8), (8, 8),
                                  eye.tolist(), eye)
    assert result.src_shape == (8, 9)
    assert result.src_homography.dtype == np.float64


# ------------------------------------------------------------ confidence
def test_confidence_is_the_cycle_error_in_pixels():
    consistent = shifted_result((12, 20), 3, -3)
    assert consistent.confidence_s2t().shape == (12, 20)
    assert consistent.confidence_t2s().shape == (12, 20)
    np.testing.assert_allclose(consistent.confidence_s2t()[:, :17], 0,
                               atol=1e-9)
    np.testing.assert_allclose(consistent.confidence_t2s()[:, 3:], 0,
                               atol=1e-9)
    inconsistent = shifted_result((12, 20), 3, 0)  # t2s: identity
    np.testing.assert_allclose(inconsistent.confidence_s2t()[:, :17], 3,
                               atol=1e-9)
    assert (inconsistent.confidence_t2s() >= 0).all()
