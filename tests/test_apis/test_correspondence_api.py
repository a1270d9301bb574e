# Copyright (c) mmcorr contributors. All rights reserved.
"""mmcorr.apis (init_model, match_images, warp_image),
mmcorr.structures.CorrespondenceResult and mmcorr.visualization.matches.

Every resize is undone with the mapping the test pipeline recorded
(``RecordedResize``: ``x' = (x + 0.5) W' / W - 0.5``; ``RecordedPad``: a
shift by the left / top margins)."""
import inspect
import os.path as osp
import pickle

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmcorr.apis import init_model, load_config, match_images, warp_image
# not collected by pytest under its own name
from mmcorr.apis import test_pipeline as build_test_pipeline
from mmcorr.compat.checkpoint import (UnsafeCheckpointError,
                                      set_unsafe_checkpoint_loading)
from mmcorr.engine import CheckpointMismatchError
from mmcorr.ops import identity_grid
from mmcorr.structures import CorrespondenceResult
from mmcorr.visualization import draw_matches, top_matches

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'sfnet_corr',
                  'sfnet-corr_r101_pf-pascal-test-320x320.py')
MODEL_BASE = osp.join(REPO, 'configs', '_base_', 'models',
                      'sfnet-corr_r101.py')
#: ResNet-18 trunk, random weights: small and fast
SMALL = {'model.backbone.depth': 18, 'model.backbone.init_cfg': None,
         'model.adaptation_channels': [256, 512]}


# ---------------------------------------------------------------- helpers
def resize_matrix(src_shape, dst_shape):
    """By hand: ``x' = (x + 0.5) W' / W - 0.5`` (cv2's pixel geometry)."""
    sx, sy = dst_shape[1] / src_shape[1], dst_shape[0] / src_shape[0]
    return np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5],
                     [0, 0, 1]])


def shift_matrix(dx, dy):
    return np.array([[1., 0, dx], [0, 1, dy], [0, 0, 1]])


def protocol_matrix(shape, resized, pad):
    """Resize ``shape`` to ``resized`` (H, W), then pad ``pad`` px all
    round."""
    return shift_matrix(pad, pad) @ resize_matrix(shape, resized)


def make_result(src_shape, tgt_shape, resized=None, pad=0, grid_hw=(20, 20),
                grid_s2t=None, grid_t2s=None, src_homography=None,
                tgt_homography=None):
    """A result with identity grids (unless given) and the geometry of
    "resize both to ``resized`` (H, W), pad ``pad``"."""
    resized = tuple(resized) if resized is not None else tuple(src_shape)
    identity = identity_grid(*grid_hw, torch.zeros((), dtype=torch.float64))
    return CorrespondenceResult(
        grid_s2t=identity[0] if grid_s2t is None else grid_s2t,
        grid_t2s=identity[0] if grid_t2s is None else grid_t2s,
        src_shape=src_shape,
        tgt_shape=tgt_shape,
        input_shape=(resized[0] + 2 * pad, resized[1] + 2 * pad),
        src_homography=protocol_matrix(src_shape, resized, pad)
        if src_homography is None else src_homography,
        tgt_homography=protocol_matrix(tgt_shape, resized, pad)
        if tgt_homography is None else tgt_homography)


def pixel_lattice(shape):
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float64)
    return np.stack([xs, ys], -1)


def ramp(shape):
    """A float32 image linear in x and y."""
    lattice = pixel_lattice(shape)
    return (3 * lattice[..., 0] + 2 * lattice[..., 1] + 5).astype(np.float32)


def write_config(folder, name, text):
    path = osp.join(str(folder), f'{name}.py')
    with open(path, 'w') as f:
        f.write(text)
    return path


def pipeline_text(steps, pack='dict(type="PackMultiViewInputs")'):
    return (f'test_pipeline = [dict(type="ForEachView", transforms=['
            f'dict(type="LoadCheckedImage"), {steps}]), {pack}]\n')


#: keep-ratio resize into 40 x 30, then pad (left 3, top 2, right 1,
#: bottom 4); the preprocessor pads to multiples of 8
KEEP_RATIO_STEPS = ('dict(type="RecordedResize", scale=(40, 30), '
                    'keep_ratio=True), dict(type="RecordedPad", '
                    'padding=(3, 2, 1, 4))')


def identity_config(folder, steps=KEEP_RATIO_STEPS, name='identity',
                    size_divisor=8):
    """A tiny IdentityMatcher config (exact identity grids over the whole
    network input)."""
    return write_config(
        folder, name,
        'default_scope = "mmcorr"\n'
        'model = dict(type="IdentityMatcher", data_preprocessor=dict('
        f'type="MultiViewDataPreprocessor", size_divisor={size_divisor}))\n' +
        (pipeline_text(steps) if steps is not None else ''))


def random_image(shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, tuple(shape) + (3, ), dtype=np.uint8)


@pytest.fixture(scope='module')
def sfnet_config(tmp_path_factory):
    """A tiny SemanticFlowMatcher (ResNet-18, random weights) whose test
    pipeline resizes to 64 x 64 and pads 16 px: a 96 x 96 input, 6 x 6
    grids."""
    folder = tmp_path_factory.mktemp('sfnet_config')
    return write_config(
        folder, 'tiny_sfnet',
        f'_base_ = [{MODEL_BASE!r}]\n'
        'model = dict(backbone=dict(depth=18, init_cfg=None),\n'
        '             adaptation_channels=(256, 512))\n' +
        pipeline_text('dict(type="RecordedResize", scale=(64, 64)), '
                      'dict(type="RecordedPad", padding=16)'))


@pytest.fixture(scope='module')
def sfnet(sfnet_config):
    return init_model(sfnet_config)


@pytest.fixture(scope='module')
def pascal_model():
    """The PF-PASCAL test protocol (288 + 16 px, 320 input) on a ResNet-18
    trunk."""
    return init_model(CONFIG, cfg_options=SMALL)


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
                  [-3.5, 2.0]]  # corners and one point in the margin
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
def shifted_result(shape, shift_s2t, shift_t2s):
    """Same-size images, no resize: s2t moves x by ``shift_s2t`` px, t2s
    by ``shift_t2s`` px."""
    base = identity_grid(*shape, torch.zeros((), dtype=torch.float64))[0]
    unit = 2 / (shape[1] - 1)
    s2t, t2s = base.clone(), base.clone()
    s2t[..., 0] += shift_s2t * unit
    t2s[..., 0] += shift_t2s * unit
    return make_result(shape, shape, grid_hw=shape, grid_s2t=s2t,
                       grid_t2s=t2s)


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


# --------------------------------------------------------------- warping
def test_warp_identity_returns_the_image():
    rng = np.random.default_rng(0)
    shape = (37, 53)
    result = make_result(shape, shape, (288, 288), 16)
    image = rng.integers(0, 256, shape + (3, ), dtype=np.uint8)
    for image_of in ('target', 'source'):
        out = warp_image(result, image, image_of=image_of)
        assert out.dtype == np.uint8
        np.testing.assert_array_equal(out, image)
    values = rng.uniform(size=shape).astype(np.float32)
    out = warp_image(result, values)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, values, atol=1e-6)
    mask = rng.uniform(size=shape) > 0.5
    np.testing.assert_array_equal(warp_image(result, mask), mask)


def test_warp_image_of_semantics():
    shape, k = (10, 16), 3
    result = shifted_result(shape, k, -k)
    rng = np.random.default_rng(1)
    src = rng.integers(0, 256, shape + (3, ), dtype=np.uint8)
    tgt = rng.integers(0, 256, shape + (3, ), dtype=np.uint8)
    # the target onto the source frame: source pixel x reads target x + k
    on_src = warp_image(result, tgt, image_of='target')
    np.testing.assert_array_equal(on_src[:, :-k], tgt[:, k:])
    assert (on_src[:, -k + 1:] == 0).all()  # read outside: zeros
    border = warp_image(result, tgt, image_of='target',
                        padding_mode='border')
    np.testing.assert_array_equal(border[:, -1], tgt[:, -1])
    # the source onto the target frame: target pixel x reads source x - k
    on_tgt = warp_image(result, src, image_of='source')
    np.testing.assert_array_equal(on_tgt[:, k:], src[:, :-k])
    labels = rng.integers(0, 5, shape).astype(np.int64)
    warped = warp_image(result, labels, image_of='source')
    assert warped.dtype == np.int64
    np.testing.assert_array_equal(warped[:, k:], labels[:, :-k])


def test_warp_nearest_keeps_labels():
    """Labels are read with nearest neighbours (no blended classes); a
    float map can ask for it too."""
    shape = (12, 20)
    base = identity_grid(*shape, torch.zeros((), dtype=torch.float64))[0]
    half = base.clone()
    half[..., 0] += 0.4 * 2 / 19  # 0.4 px to the right
    result = make_result(shape, shape, grid_hw=shape, grid_s2t=half,
                         grid_t2s=half)
    labels = np.tile(np.arange(20, dtype=np.uint8) * 10, (12, 1))
    out = warp_image(result, labels)  # 2-D integer: nearest
    assert set(np.unique(out)) <= set(np.unique(labels))
    np.testing.assert_array_equal(out[:, :-1], labels[:, :-1])
    smooth = warp_image(result, labels.astype(np.float32))
    np.testing.assert_allclose(smooth[:, :-1], labels[:, :-1] + 4.0,
                               atol=1e-4)
    nearest = warp_image(result, labels.astype(np.float32), mode='nearest')
    np.testing.assert_array_equal(nearest[:, :-1], labels[:, :-1])


def test_warp_between_sizes_and_validation():
    result = make_result((20, 30), (40, 10), (32, 32), 0)
    tgt = np.zeros((40, 10), np.uint8)
    assert warp_image(result, tgt).shape == (20, 30)
    assert warp_image(result, np.zeros((20, 30, 3), np.uint8),
                      image_of='source').shape == (40, 10, 3)
    with pytest.raises(ValueError, match=r"image_of='target'.*\(40, 10\)"):
        warp_image(result, np.zeros((20, 30), np.uint8))
    with pytest.raises(ValueError, match=r"image_of='source'.*\(20, 30\)"):
        warp_image(result, tgt, image_of='source')
    with pytest.raises(ValueError, match=r'image_or_mask must be'):
        warp_image(result, np.zeros((40, 10, 3, 1), np.uint8))
    with pytest.raises(TypeError, match='numpy array'):
        warp_image(result, torch.zeros(40, 10))
    with pytest.raises(ValueError,
                       match=r"image_of must be one of \('source', "
                       r"'target'\), got 'both'"):
        warp_image(result, tgt, image_of='both')
    with pytest.raises(ValueError, match='image_of must be one of'):
        warp_image(result, tgt, 't2s')  # the old direction names


# ----------------------------------------------------------- visualising
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


# ------------------------------------------------------------ init_model
def random_state(model):
    return {k: torch.randn_like(v) if v.is_floating_point() else v
            for k, v in model.state_dict().items()}


def test_init_model(sfnet, sfnet_config, tmp_path):
    assert not sfnet.training
    assert sfnet.cfg.model.backbone.depth == 18
    assert isinstance(sfnet.cfg, Config)
    assert DefaultScope.get_current_instance().scope_name == 'mmcorr'
    assert next(sfnet.parameters()).device.type == 'cpu'
    assert not hasattr(sfnet, 'dataset_meta')
    ckpt = str(tmp_path / 'weights.pth')
    state = random_state(sfnet)
    torch.save(dict(state_dict=state, meta=dict(
        dataset_meta=dict(classes=('a', 'b')))), ckpt)
    loaded = init_model(sfnet_config, ckpt)
    assert not loaded.training
    for key in ('adapt_fine.units.0.conv.weight',
                'backbone.layer1.0.conv1.weight'):
        assert torch.equal(loaded.state_dict()[key], state[key]), key
    assert loaded.dataset_meta == dict(classes=('a', 'b'))
    # a DDP wrapper's 'module.' prefix is removed
    torch.save(dict(state_dict={f'module.{k}': v
                                for k, v in state.items()}), ckpt)
    key = 'adapt_coarse.units.0.conv.weight'
    assert torch.equal(init_model(sfnet_config, ckpt).state_dict()[key],
                       state[key])


def test_init_model_config_errors_and_options(sfnet_config, tmp_path):
    with pytest.raises(FileNotFoundError, match='config file'):
        init_model(str(tmp_path / 'missing.py'))
    with pytest.raises(TypeError, match='config must be'):
        init_model(42)
    no_model = write_config(tmp_path, 'no_model', 'x = 1\n')
    with pytest.raises(KeyError, match='no `model`'):
        init_model(no_model)
    # cfg_options are merged into a copy of a Config
    cfg = Config.fromfile(sfnet_config)
    model = init_model(cfg, cfg_options={'model.beta': 7.0,
                                         'model.kernel_sigma': None})
    assert model.beta == 7.0 and model.kernel_sigma is None
    assert model.cfg.model.beta == 7.0
    assert cfg.model.beta == 50.0  # the caller's config is not changed
    assert load_config(sfnet_config, {'model.beta': 3.0}).model.beta == 3.0


def test_init_model_is_strict_by_default(sfnet_config, tmp_path):
    ckpt = str(tmp_path / 'other_model.pth')
    torch.save({'state_dict': {'conv.weight': torch.ones(2, 2)}}, ckpt)
    with pytest.raises(CheckpointMismatchError, match='missing') as info:
        init_model(sfnet_config, ckpt)
    assert 'conv.weight' in str(info.value)
    loaded = init_model(sfnet_config, ckpt, strict=False)
    assert not loaded.training
    # a wrong shape is a mismatch too
    model = init_model(sfnet_config)
    state = dict(model.state_dict())
    key = 'adapt_fine.units.0.conv.weight'
    state[key] = state[key][:1]
    torch.save({'state_dict': state}, ckpt)
    with pytest.raises(CheckpointMismatchError, match=key.replace('.', r'\.')):
        init_model(sfnet_config, ckpt)


class _RunsCodeOnLoad:
    """Unpickling this calls ``os.system``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return os.system, (f'touch {self.marker}', )


@pytest.fixture
def unsafe_off():
    set_unsafe_checkpoint_loading(False)
    yield
    set_unsafe_checkpoint_loading(False)


def test_init_model_loads_checkpoints_safely(sfnet_config, tmp_path,
                                             unsafe_off):
    marker = tmp_path / 'pwned'
    ckpt = str(tmp_path / 'hostile.pth')
    torch.save({'state_dict': {}, 'meta': _RunsCodeOnLoad(marker)}, ckpt)
    with pytest.raises(UnsafeCheckpointError,
                       match='refusing to load checkpoint'):
        init_model(sfnet_config, ckpt)
    assert not marker.exists()
    raw = str(tmp_path / 'raw.pkl')
    with open(raw, 'wb') as f:
        pickle.dump(_RunsCodeOnLoad(marker), f, protocol=2)
    with pytest.raises(UnsafeCheckpointError):
        init_model(sfnet_config, raw)
    assert not marker.exists()


def test_init_model_init_weights(tmp_path):
    """``init_weights=True`` applies the config's init_cfg (here: a local
    "pretrained" backbone file) before any checkpoint; off by default."""
    from mmcorr.registry import MODELS
    backbone_cfg = dict(type='ResNet', depth=18, num_stages=4,
                        out_indices=(2, 3), style='pytorch')
    pretrained = MODELS.build(backbone_cfg)
    weights = random_state(pretrained)
    path = str(tmp_path / 'backbone.pth')
    torch.save({'state_dict': weights}, path)
    config = write_config(
        tmp_path, 'pretrained',
        f'_base_ = [{MODEL_BASE!r}]\n'
        'model = dict(backbone=dict(depth=18, init_cfg=dict('
        f'type="Pretrained", checkpoint={path!r})),\n'
        '             adaptation_channels=(256, 512))\n')
    key = 'layer2.0.conv1.weight'
    initialised = init_model(config, init_weights=True)
    assert torch.equal(initialised.backbone.state_dict()[key], weights[key])
    plain = init_model(config)
    assert not torch.equal(plain.backbone.state_dict()[key], weights[key])
    # a checkpoint given as well wins over the init_cfg
    ckpt = str(tmp_path / 'full.pth')
    state = random_state(plain)
    torch.save({'state_dict': state}, ckpt)
    both = init_model(config, ckpt, init_weights=True)
    assert torch.equal(both.backbone.state_dict()[key],
                       state['backbone.' + key])
    # an init_cfg that cannot be applied says what to do
    broken = write_config(
        tmp_path, 'broken',
        f'_base_ = [{MODEL_BASE!r}]\n'
        'model = dict(backbone=dict(depth=18, init_cfg=dict('
        f'type="Pretrained", checkpoint={str(tmp_path / "none.pth")!r})),\n'
        '             adaptation_channels=(256, 512))\n')
    with pytest.raises(RuntimeError, match="could not apply the config's "
                       'init_cfg'):
        init_model(broken, init_weights=True)
    assert not init_model(broken).training  # not applied: fine


def test_test_pipeline_lookup():
    """``test_pipeline``, else the test / val dataloader's pipeline."""
    steps = [dict(type='ForEachView', transforms=[dict(
        type='LoadCheckedImage')]), dict(type='PackMultiViewInputs')]

    def count(**cfg):
        return len(build_test_pipeline(Config(cfg)).transforms)

    loader = dict(dataset=dict(pipeline=steps[1:]))
    assert count(test_pipeline=steps, test_dataloader=loader) == 2
    assert count(test_dataloader=loader) == 1
    assert count(val_dataloader=loader) == 1
    with pytest.raises(KeyError, match='no test pipeline'):
        build_test_pipeline(Config(dict(model=dict(type='IdentityMatcher'))))


# ---------------------------------------------------------- match_images
def closed_form(points, from_shape, from_resized, to_shape, to_resized):
    """Identity grids over the input: the two resizes composed (the pads
    cancel): ``x -> (x + 0.5) (W1' / W1) / (W2' / W2) - 0.5``."""
    scale_from = np.array([from_resized[1] / from_shape[1],
                           from_resized[0] / from_shape[0]])
    scale_to = np.array([to_resized[1] / to_shape[1],
                         to_resized[0] / to_shape[0]])
    return (points + 0.5) * scale_from / scale_to - 0.5


#: the keep-ratio resize of KEEP_RATIO_STEPS: (50, 70) -> (29, 40),
#: (90, 35) -> (40, 16) (mmcv: scale factor min(40 / long, 30 / short),
#: sides rounded)
SRC_SHAPE, SRC_RESIZED = (50, 70), (29, 40)
TGT_SHAPE, TGT_RESIZED = (90, 35), (40, 16)


@pytest.fixture
def identity_model(tmp_path):
    return init_model(identity_config(tmp_path))


def test_match_images_records_the_pipeline_geometry(identity_model):
    src, tgt = random_image(SRC_SHAPE, 0), random_image(TGT_SHAPE, 1)
    result = match_images(identity_model, src, tgt)
    assert isinstance(result, CorrespondenceResult)
    assert result.src_shape == SRC_SHAPE and result.tgt_shape == TGT_SHAPE
    # views of (29 + 6, 40 + 4) and (40 + 6, 16 + 4), padded by the
    # preprocessor to the larger, rounded up to multiples of 8
    assert result.input_shape == (48, 48)
    assert result.grid_s2t.shape == result.grid_t2s.shape == (48, 48, 2)
    assert result.grid_s2t.device.type == 'cpu'
    pad = shift_matrix(3, 2)  # left 3, top 2
    np.testing.assert_allclose(result.src_homography,
                               pad @ resize_matrix(SRC_SHAPE, SRC_RESIZED),
                               atol=1e-12)
    np.testing.assert_allclose(result.tgt_homography,
                               pad @ resize_matrix(TGT_SHAPE, TGT_RESIZED),
                               atol=1e-12)


def test_match_images_identity_is_the_exact_mapping(identity_model):
    src, tgt = random_image(SRC_SHAPE, 0), random_image(TGT_SHAPE, 1)
    result = match_images(identity_model, src, tgt)
    rng = np.random.default_rng(0)
    points = rng.uniform(0, 1, (40, 2)) * [69, 49]
    points[:3] = [[0, 0], [69, 49], [12.25, 30.5]]
    np.testing.assert_allclose(
        result.transfer_points(points, from_image='source'),
        closed_form(points, SRC_SHAPE, SRC_RESIZED, TGT_SHAPE, TGT_RESIZED),
        atol=1e-3)
    back = rng.uniform(0, 1, (40, 2)) * [34, 89]
    np.testing.assert_allclose(
        result.transfer_points(back, from_image='target'),
        closed_form(back, TGT_SHAPE, TGT_RESIZED, SRC_SHAPE, SRC_RESIZED),
        atol=1e-3)
    # the default is from the source
    np.testing.assert_array_equal(result.transfer_points(points),
                                  result.transfer_points(points, 'source'))
    dense = result.dense_s2t()
    assert dense.shape == SRC_SHAPE + (2, ) and dense.dtype == np.float64
    np.testing.assert_allclose(
        dense, closed_form(pixel_lattice(SRC_SHAPE), SRC_SHAPE, SRC_RESIZED,
                           TGT_SHAPE, TGT_RESIZED), atol=1e-3)
    np.testing.assert_allclose(
        result.dense_t2s(),
        closed_form(pixel_lattice(TGT_SHAPE), TGT_SHAPE, TGT_RESIZED,
                    SRC_SHAPE, SRC_RESIZED), atol=1e-3)
    # a perfect cycle everywhere (float32 grids)
    assert result.confidence_s2t().shape == SRC_SHAPE
    assert result.confidence_t2s().shape == TGT_SHAPE
    assert result.confidence_s2t().max() < 1e-3
    assert result.confidence_t2s().max() < 1e-3


def test_match_images_warp_frames_and_dtypes(identity_model):
    src, tgt = random_image(SRC_SHAPE, 0), random_image(TGT_SHAPE, 1)
    result = match_images(identity_model, src, tgt)
    on_src = warp_image(result, tgt)  # image_of='target' by default
    assert on_src.shape == SRC_SHAPE + (3, ) and on_src.dtype == np.uint8
    on_tgt = warp_image(result, src, image_of='source')
    assert on_tgt.shape == TGT_SHAPE + (3, ) and on_tgt.dtype == np.uint8
    mask = np.zeros(SRC_SHAPE, bool)
    mask[10:30, 20:50] = True
    warped_mask = warp_image(result, mask, image_of='source')
    assert warped_mask.shape == TGT_SHAPE and warped_mask.dtype == bool
    labels = (np.arange(SRC_SHAPE[1]) % 4).astype(np.int32)
    labels = np.tile(labels, (SRC_SHAPE[0], 1))
    warped_labels = warp_image(result, labels, image_of='source')
    assert warped_labels.dtype == np.int32
    assert set(np.unique(warped_labels)) <= {0, 1, 2, 3}
    # geometry: a linear ramp of the target, read at the exact mapping
    values = ramp(TGT_SHAPE)
    warped = warp_image(result, values, image_of='target')
    assert warped.shape == SRC_SHAPE and warped.dtype == np.float32
    where = closed_form(pixel_lattice(SRC_SHAPE), SRC_SHAPE, SRC_RESIZED,
                        TGT_SHAPE, TGT_RESIZED)
    inside = ((where >= 0) & (where <= [34, 89])).all(-1)
    assert inside.mean() > 0.3  # the target is narrower in the input
    assert (warped[~inside] == 0).all()  # read outside: zeros
    expected = 3 * where[..., 0] + 2 * where[..., 1] + 5
    np.testing.assert_allclose(warped[inside], expected[inside], atol=2e-2)
    with pytest.raises(ValueError, match=r"image_of='target'"):
        warp_image(result, src)  # the source is not the target's size
    with pytest.raises(ValueError, match='image_of must be one of'):
        warp_image(result, tgt, image_of='tgt')


def test_match_images_arrays_and_paths(identity_model, sfnet, tmp_path):
    src, tgt = random_image(SRC_SHAPE, 0), random_image(TGT_SHAPE, 1)
    src_path, tgt_path = str(tmp_path / 'src.png'), str(tmp_path / 'tgt.png')
    cv2.imwrite(src_path, src)
    cv2.imwrite(tgt_path, tgt)
    for model in (identity_model, sfnet):
        from_arrays = match_images(model, src, tgt)
        for args in ((src_path, tgt), (src, tgt_path), (src_path, tgt_path)):
            other = match_images(model, *args)
            torch.testing.assert_close(other.grid_s2t, from_arrays.grid_s2t)
            torch.testing.assert_close(other.grid_t2s, from_arrays.grid_t2s)
            np.testing.assert_array_equal(other.src_homography,
                                          from_arrays.src_homography)
            assert other.tgt_shape == from_arrays.tgt_shape
    import pathlib
    assert match_images(identity_model, pathlib.Path(src_path),
                        tgt).src_shape == SRC_SHAPE


def test_match_images_has_no_size_argument(identity_model):
    """The network size is the config's test pipeline's."""
    assert list(inspect.signature(match_images).parameters) == [
        'model', 'source', 'target']
    img = random_image((20, 20))
    with pytest.raises(TypeError):
        match_images(identity_model, img, img, size=(64, 64))


def test_match_images_sfnet(sfnet):
    """A tiny SFNet through its 64 + 16 px pipeline: 96 x 96 input, 6 x 6
    grids; every match lies in the target's network input."""
    src, tgt = random_image((90, 130), 0), random_image((70, 50), 1)
    result = match_images(sfnet, src, tgt)
    assert result.input_shape == (96, 96)
    assert result.grid_s2t.shape == result.grid_t2s.shape == (6, 6, 2)
    np.testing.assert_allclose(result.src_homography,
                               protocol_matrix((90, 130), (64, 64), 16))
    np.testing.assert_allclose(result.tgt_homography,
                               protocol_matrix((70, 50), (64, 64), 16))
    dense = result.dense_s2t()
    assert dense.shape == (90, 130, 2) and np.isfinite(dense).all()
    # grids in [-1, 1]: target input pixels in [0, 95], undone by hand
    lo = (np.array([0, 0]) - 16 + 0.5) * [50 / 64, 70 / 64] - 0.5
    hi = (np.array([95, 95]) - 16 + 0.5) * [50 / 64, 70 / 64] - 0.5
    assert (dense >= lo - 1e-4).all() and (dense <= hi + 1e-4).all()
    assert (result.confidence_s2t() >= 0).all()
    assert result.dense_t2s().shape == (70, 50, 2)


def test_match_images_pascal_protocol(pascal_model):
    """The repo's PF-PASCAL test config: 288 x 288 + 16 px, 320 input."""
    src, tgt = random_image((90, 130), 0), random_image((70, 50), 1)
    result = match_images(pascal_model, src, tgt)
    assert result.input_shape == (320, 320)
    assert result.grid_s2t.shape == (20, 20, 2)
    np.testing.assert_allclose(result.src_homography,
                               protocol_matrix((90, 130), (288, 288), 16))
    np.testing.assert_allclose(result.tgt_homography,
                               protocol_matrix((70, 50), (288, 288), 16))
    dense = result.dense_s2t()
    lo = (0 - 16 + 0.5) * np.array([50, 70]) / 288 - 0.5
    hi = (319 - 16 + 0.5) * np.array([50, 70]) / 288 - 0.5
    assert (dense >= lo - 1e-4).all() and (dense <= hi + 1e-4).all()


def test_match_images_input_errors(identity_model, tmp_path):
    img = random_image((60, 80))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        match_images(identity_model, str(tmp_path / 'none.png'), img)
    with pytest.raises(FileNotFoundError, match='target image file'):
        match_images(identity_model, img, str(tmp_path / 'none.png'))
    bad = tmp_path / 'bad.png'
    bad.write_text('not an image')
    with pytest.raises(ValueError, match='could not decode'):
        match_images(identity_model, str(bad), img)
    with pytest.raises(ValueError, match=r'\(H, W, 3\) uint8'):
        match_images(identity_model, img[..., 0], img)
    with pytest.raises(ValueError, match=r'\(H, W, 3\) uint8'):
        match_images(identity_model, img.astype(np.float32), img)
    with pytest.raises(ValueError, match=r'target array must be'):
        match_images(identity_model, img, img[..., :2])
    with pytest.raises(TypeError, match='image path'):
        match_images(identity_model, [1, 2], img)
    with pytest.raises(ValueError, match='at least 2x2'):
        match_images(identity_model, img[:1], img)


def test_match_images_without_geometric_transforms(tmp_path):
    """No resize: each view keeps its size (identity homography) and the
    preprocessor pads both to the larger one."""
    model = init_model(identity_config(tmp_path, steps='',
                                       size_divisor=1))
    a, b = random_image((40, 30), 0), random_image((20, 50), 1)
    result = match_images(model, a, b)
    assert result.input_shape == (40, 50)
    np.testing.assert_array_equal(result.src_homography, np.eye(3))
    np.testing.assert_array_equal(result.tgt_homography, np.eye(3))
    points = np.array([[0.0, 0.0], [10.5, 15.25], [29.0, 19.0]])
    np.testing.assert_allclose(result.transfer_points(points), points,
                               atol=1e-4)


def test_match_images_undoes_a_recorded_flip(tmp_path):
    model = init_model(identity_config(
        tmp_path,
        steps='dict(type="RecordedResize", scale=(32, 24)), '
        'dict(type="RecordedRandomFlip", prob=1.0, '
        'direction="horizontal")'))
    img = random_image((30, 45))
    result = match_images(model, img, img)
    flip = np.array([[-1., 0, 31], [0, 1, 0], [0, 0, 1]])
    np.testing.assert_allclose(result.src_homography,
                               flip @ resize_matrix((30, 45), (24, 32)))
    # inside the input's pixel centres (the outer half pixel of the
    # downscaled image reads the grid's border)
    points = np.array([[1.0, 1.0], [43.0, 28.0], [7.5, 3.25]])
    np.testing.assert_allclose(result.transfer_points(points), points,
                               atol=1e-4)
    assert result.transfer_points([[0.0, 0.0]])[0, 0] > 0.2


def test_match_images_needs_a_recorded_mapping(tmp_path):
    """mmcv's plain Resize records no homography: a clear KeyError."""
    model = init_model(identity_config(
        tmp_path, steps='dict(type="Resize", scale=(32, 32))'))
    img = random_image((40, 60))
    with pytest.raises(KeyError, match='source view has no '
                       'homography_matrix.*RecordedResize'):
        match_images(model, img, img)


def test_match_images_needs_grids_and_a_pipeline(tmp_path, monkeypatch):
    model = init_model(identity_config(tmp_path))
    img = random_image((40, 60))
    monkeypatch.setattr(model, 'predict',
                        lambda views, data_samples, extras=None: data_samples)
    with pytest.raises(KeyError, match='did not predict pred_grid_s2t'):
        match_images(model, img, img)
    no_pipeline = init_model(identity_config(tmp_path, steps=None,
                                             name='no_pipeline'))
    with pytest.raises(KeyError, match='no test pipeline'):
        match_images(no_pipeline, img, img)
