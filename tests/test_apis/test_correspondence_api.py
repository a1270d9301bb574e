# Copyright (c) mmcorr contributors. All rights reserved.
"""mmcorr.apis.correspondence and mmcorr.visualization.matches."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import DefaultScope

from mmcorr.apis import (CorrespondenceResult, init_matcher, match_images,
                         protocol_affine, warp_image)
from mmcorr.ops import identity_grid
from mmcorr.visualization import draw_matches, top_matches

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'sfnet_corr',
                  'sfnet-corr_r101_pf-pascal-test-320x320.py')
#: ResNet-18 trunk, random weights: small and fast
SMALL = {'model.backbone.depth': 18, 'model.backbone.init_cfg': None,
         'model.adaptation_channels': [256, 512]}


@pytest.fixture(scope='module')
def model():
    return init_matcher(CONFIG, cfg_options=SMALL)


def make_result(src_shape, tgt_shape, resized=None, pad=0,
                mapping='corners', grid_hw=(20, 20), grid_s2t=None,
                grid_t2s=None):
    """A result with identity grids (unless given) and the geometry of
    "resize to ``resized`` (H, W), pad ``pad``"."""
    resized = tuple(resized) if resized is not None else tuple(src_shape)
    identity = identity_grid(*grid_hw, torch.zeros((), dtype=torch.float64))
    return CorrespondenceResult(
        grid_s2t=identity[0] if grid_s2t is None else grid_s2t,
        grid_t2s=identity[0] if grid_t2s is None else grid_t2s,
        src_shape=src_shape,
        tgt_shape=tgt_shape,
        input_shape=(resized[0] + 2 * pad, resized[1] + 2 * pad),
        src_to_input=protocol_affine(src_shape, resized, pad, mapping),
        tgt_to_input=protocol_affine(tgt_shape, resized, pad, mapping))


def pixel_lattice(shape):
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float64)
    return np.stack([xs, ys], -1)


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


@pytest.mark.parametrize('resized,pad', [(None, 0), ((288, 288), 16),
                                         ((33, 47), 5)])
def test_identity_grid_scales_between_sizes_corners(resized, pad):
    src_shape, tgt_shape = (50, 70), (101, 35)
    if resized is None:  # no resize: the network sees the source's size
        result = make_result(src_shape, tgt_shape, src_shape, pad)
    else:
        result = make_result(src_shape, tgt_shape, resized, pad)
    lattice = pixel_lattice(src_shape)
    expected = lattice * [(35 - 1) / (70 - 1), (101 - 1) / (50 - 1)]
    np.testing.assert_allclose(result.dense_s2t(), expected, atol=1e-9)
    back = pixel_lattice(tgt_shape) * [(70 - 1) / (35 - 1),
                                       (50 - 1) / (101 - 1)]
    np.testing.assert_allclose(result.dense_t2s(), back, atol=1e-9)


def test_identity_grid_scales_between_sizes_centres():
    src_shape, tgt_shape = (50, 70), (101, 35)
    result = make_result(src_shape, tgt_shape, (288, 288), 16, 'centres')
    lattice = pixel_lattice(src_shape)
    expected = (lattice + 0.5) * [35 / 70, 101 / 50] - 0.5
    np.testing.assert_allclose(result.dense_s2t(), expected, atol=1e-9)


def test_pad_protocol_matches_the_documented_formula():
    """SFNet's 288 + 16 protocol, literally: upsample the grid to the
    320 x 320 input (align_corners=True), read it at source pixel + P, then
    ``((g + 1) / 2 * 319 - 16) * (orig - 1) / 287``."""
    gen = torch.Generator().manual_seed(0)
    grid = torch.rand(20, 20, 2, generator=gen, dtype=torch.float64) * 2 - 1
    src_shape, tgt_shape = (288, 288), (123, 457)  # source needs no resize
    result = make_result(src_shape, tgt_shape, (288, 288), 16,
                         grid_s2t=grid)
    up = F.interpolate(grid.permute(2, 0, 1)[None], size=(320, 320),
                       mode='bilinear', align_corners=True)[0]
    g = up[:, 16:304, 16:304].permute(1, 2, 0).numpy()  # source pixels
    expected = ((g + 1) / 2 * 319 - 16) * [(457 - 1) / 287, (123 - 1) / 287]
    np.testing.assert_allclose(result.dense_s2t(), expected, atol=1e-9)


def brute_force_transfer(result, points, direction):
    """Per point, by hand: original -> input pixel -> feature cell ->
    bilinear read (clamped) -> other image's original pixel."""
    if direction == 's2t':
        grid, a, b = result.grid_s2t, result.src_to_input, result.tgt_to_input
    else:
        grid, a, b = result.grid_t2s, result.tgt_to_input, result.src_to_input
    grid = grid.double().numpy()
    hf, wf = grid.shape[:2]
    h_in, w_in = result.input_shape
    out = []
    for x, y in points:
        x_in, y_in = a[0, 0] * x + a[0, 1], a[1, 0] * y + a[1, 1]
        u = min(max(x_in * (wf - 1) / (w_in - 1), 0), wf - 1)
        v = min(max(y_in * (hf - 1) / (h_in - 1), 0), hf - 1)
        u0, v0 = min(int(u), wf - 2), min(int(v), hf - 2)
        du, dv = u - u0, v - v0
        g = (grid[v0, u0] * (1 - du) * (1 - dv) + grid[v0, u0 + 1] * du *
             (1 - dv) + grid[v0 + 1, u0] * (1 - du) * dv +
             grid[v0 + 1, u0 + 1] * du * dv)
        tx = ((g[0] + 1) / 2 * (w_in - 1) - b[0, 1]) / b[0, 0]
        ty = ((g[1] + 1) / 2 * (h_in - 1) - b[1, 1]) / b[1, 0]
        out.append((tx, ty))
    return np.array(out)


@pytest.mark.parametrize('direction', ['s2t', 't2s'])
@pytest.mark.parametrize('mapping', ['corners', 'centres'])
def test_transfer_points_matches_brute_force(direction, mapping):
    gen = torch.Generator().manual_seed(1)
    grids = torch.rand(2, 20, 20, 2, generator=gen) * 2 - 1  # float32
    result = make_result((97, 131), (60, 45), (288, 288), 16, mapping,
                         grid_s2t=grids[0], grid_t2s=grids[1])
    shape = result.src_shape if direction == 's2t' else result.tgt_shape
    rng = np.random.default_rng(0)
    points = rng.uniform(0, 1, (50, 2)) * [shape[1] - 1, shape[0] - 1]
    points[:4] = [[0, 0], [shape[1] - 1, shape[0] - 1], [0, shape[0] - 1],
                  [-3.5, 2.0]]  # corners and one point in the margin
    got = result.transfer_points(points, direction)
    np.testing.assert_allclose(got, brute_force_transfer(
        result, points, direction), atol=1e-9)
    # at integer pixels it is the dense map
    dense = result.dense_s2t() if direction == 's2t' else result.dense_t2s()
    pix = np.array([[0, 0], [5, 7], [shape[1] - 1, shape[0] - 1]])
    np.testing.assert_allclose(result.transfer_points(pix, direction),
                               dense[pix[:, 1], pix[:, 0]], atol=1e-12)


def test_transfer_points_validation():
    result = make_result((10, 10), (10, 10))
    assert result.transfer_points([2.0, 3.0]).shape == (1, 2)
    with pytest.raises(ValueError, match=r'\(K, 2\)'):
        result.transfer_points(np.zeros((3, 3)))
    with pytest.raises(ValueError, match='finite'):
        result.transfer_points([[np.nan, 1.0]])
    with pytest.raises(ValueError, match='direction'):
        result.transfer_points([[1.0, 1.0]], 'forward')


def test_result_validation():
    grid = torch.zeros(4, 4, 2)
    with pytest.raises(ValueError, match='grid_s2t'):
        CorrespondenceResult(torch.zeros(4, 4, 3), grid, (8, 8), (8, 8),
                             (8, 8), np.eye(2), np.eye(2))
    with pytest.raises(ValueError, match='src_to_input'):
        CorrespondenceResult(grid, grid, (8, 8), (8, 8), (8, 8),
                             np.zeros((2, 2)), np.eye(2))
    with pytest.raises(ValueError, match='tgt_shape'):
        CorrespondenceResult(grid, grid, (8, 8), (1, 8), (8, 8),
                             np.eye(2), np.eye(2))


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
    np.testing.assert_allclose(consistent.confidence_s2t()[:, :17], 0,
                               atol=1e-9)
    np.testing.assert_allclose(consistent.confidence_t2s()[:, 3:], 0,
                               atol=1e-9)
    inconsistent = shifted_result((12, 20), 3, 0)  # t2s: identity
    np.testing.assert_allclose(inconsistent.confidence_s2t()[:, :17], 3,
                               atol=1e-9)


# --------------------------------------------------------------- warping
def test_warp_identity_returns_the_image():
    rng = np.random.default_rng(0)
    shape = (37, 53)
    result = make_result(shape, shape, (288, 288), 16)
    image = rng.integers(0, 256, shape + (3, ), dtype=np.uint8)
    for direction in ('t2s', 's2t'):
        out = warp_image(result, image, direction)
        assert out.dtype == np.uint8
        np.testing.assert_array_equal(out, image)
    values = rng.uniform(size=shape).astype(np.float32)
    np.testing.assert_allclose(warp_image(result, values), values,
                               atol=1e-6)
    mask = rng.uniform(size=shape) > 0.5
    np.testing.assert_array_equal(warp_image(result, mask), mask)


def test_warp_direction_semantics():
    shape, k = (10, 16), 3
    result = shifted_result(shape, k, -k)
    rng = np.random.default_rng(1)
    src = rng.integers(0, 256, shape + (3, ), dtype=np.uint8)
    tgt = rng.integers(0, 256, shape + (3, ), dtype=np.uint8)
    # target onto the source frame: source pixel x reads target x + k
    on_src = warp_image(result, tgt, 't2s')
    np.testing.assert_array_equal(on_src[:, :-k], tgt[:, k:])
    assert (on_src[:, -k + 1:] == 0).all()  # read outside: zeros
    # source onto the target frame: target pixel x reads source x - k
    on_tgt = warp_image(result, src, 's2t')
    np.testing.assert_array_equal(on_tgt[:, k:], src[:, :-k])
    labels = rng.integers(0, 5, shape).astype(np.int64)
    np.testing.assert_array_equal(
        warp_image(result, labels, 's2t')[:, k:], labels[:, :-k])


def test_warp_between_sizes_and_validation():
    result = make_result((20, 30), (40, 10), (32, 32), 0)
    tgt = np.zeros((40, 10), np.uint8)
    assert warp_image(result, tgt).shape == (20, 30)
    assert warp_image(result, np.zeros((20, 30, 3), np.uint8),
                      's2t').shape == (40, 10, 3)
    with pytest.raises(ValueError, match='reads the target'):
        warp_image(result, np.zeros((20, 30), np.uint8))
    with pytest.raises(TypeError, match='numpy array'):
        warp_image(result, torch.zeros(40, 10))
    with pytest.raises(ValueError, match='direction'):
        warp_image(result, tgt, 'both')


# ----------------------------------------------------------- visualising
def test_top_matches_ranks_by_cycle_error_and_filters():
    shape = (24, 24)
    base = identity_grid(*shape, torch.zeros((), dtype=torch.float64))[0]
    t2s = base.clone()
    # the cycle error grows to the right: t2s adds x^2 / 50 px
    xs = torch.arange(24, dtype=torch.float64)
    t2s[..., 0] += (xs ** 2 / 50) * 2 / 23
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


# ------------------------------------------------------------- the model
def test_init_matcher(model, tmp_path):
    assert not model.training
    assert model.cfg.model.backbone.depth == 18
    assert DefaultScope.get_current_instance().scope_name == 'mmcorr'
    ckpt = str(tmp_path / 'weights.pth')
    state = {k: torch.randn_like(v) if v.is_floating_point() else v
             for k, v in model.state_dict().items()}
    torch.save(dict(state_dict=state, meta=dict(
        dataset_meta=dict(classes=('a', 'b')))), ckpt)
    loaded = init_matcher(CONFIG, ckpt, cfg_options=SMALL)
    key = 'adapt_fine.units.0.conv.weight'
    assert torch.equal(loaded.state_dict()[key], state[key])
    assert loaded.dataset_meta == dict(classes=('a', 'b'))
    with pytest.raises(FileNotFoundError, match='config file'):
        init_matcher(str(tmp_path / 'missing.py'))
    with pytest.raises(TypeError, match='config must be'):
        init_matcher(42)


def test_match_images_protocol_geometry(model, tmp_path):
    rng = np.random.default_rng(0)
    src = rng.integers(0, 256, (90, 130, 3), dtype=np.uint8)
    tgt = rng.integers(0, 256, (70, 50, 3), dtype=np.uint8)
    result = match_images(model, src, tgt)
    assert result.grid_s2t.shape == result.grid_t2s.shape == (20, 20, 2)
    assert result.input_shape == (320, 320)
    assert result.src_shape == (90, 130) and result.tgt_shape == (70, 50)
    np.testing.assert_allclose(result.src_to_input,
                               protocol_affine((90, 130), (288, 288), 16))
    np.testing.assert_allclose(result.tgt_to_input,
                               protocol_affine((70, 50), (288, 288), 16))
    dense = result.dense_s2t()
    assert dense.shape == (90, 130, 2) and np.isfinite(dense).all()
    # soft argmax grids lie in [-1, 1]: targets within the padded input
    lo = -16 * np.array([49, 69]) / 287
    assert (dense >= lo - 1e-6).all()
    assert (dense <= np.array([49, 69]) - lo + 1e-6).all()
    assert (result.confidence_s2t() >= 0).all()
    # a file gives the same result as its array
    path = str(tmp_path / 'src.png')
    cv2.imwrite(path, src)
    from_file = match_images(model, path, tgt)
    torch.testing.assert_close(from_file.grid_s2t, result.grid_s2t)


def test_match_images_size_and_errors(model, tmp_path):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    result = match_images(model, img, img, size=(224, 160))
    assert result.input_shape == (192, 256)  # (160 + 32, 224 + 32)
    assert result.grid_s2t.shape == (12, 16, 2)
    np.testing.assert_allclose(
        result.src_to_input,
        protocol_affine((60, 80), (160, 224), 16, 'corners'))
    centres = match_images(model, img, img, size=(224, 160),
                           resize_mapping='centres')
    np.testing.assert_allclose(
        centres.src_to_input,
        protocol_affine((60, 80), (160, 224), 16, 'centres'))
    with pytest.raises(RuntimeError, match='multiples of 32'):
        match_images(model, img, img, size=(100, 100))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        match_images(model, str(tmp_path / 'none.png'), img)
    bad = tmp_path / 'bad.png'
    bad.write_text('not an image')
    with pytest.raises(ValueError, match='could not decode'):
        match_images(model, str(bad), img)
    with pytest.raises(ValueError, match=r'\(H, W, 3\) uint8'):
        match_images(model, img[..., 0], img)
    with pytest.raises(ValueError, match=r'\(H, W, 3\) uint8'):
        match_images(model, img.astype(np.float32), img)
    with pytest.raises(TypeError, match='image path'):
        match_images(model, [1, 2], img)
    with pytest.raises(ValueError, match='resize_mapping'):
        match_images(model, img, img, resize_mapping='edges')


def test_match_images_pipelines(model):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    b = rng.integers(0, 256, (64, 96, 3), dtype=np.uint8)
    cfg = model.cfg
    try:
        # no resize in the pipeline: the images' own size, or `size`
        model.cfg = cfg.copy()
        model.cfg.test_pipeline = [dict(type='LoadImagePairFromFile'),
                                   dict(type='PackPairInputs')]
        same = match_images(model, a, a)
        assert same.input_shape == (64, 64)
        np.testing.assert_allclose(same.src_to_input, [[1, 0], [1, 0]])
        with pytest.raises(ValueError, match='pass size'):
            match_images(model, a, b)
        assert match_images(model, a, b, size=64).input_shape == (64, 64)
        model.cfg.test_pipeline = [dict(type='LoadImagePairFromFile'),
                                   dict(type='RandomFlip', prob=1.0)]
        with pytest.raises(ValueError, match='RandomFlip'):
            match_images(model, a, a)
    finally:
        model.cfg = cfg


def test_init_matcher_is_strict_by_default(model, tmp_path):
    from mmcorr.engine import CheckpointMismatchError
    ckpt = str(tmp_path / 'other_model.pth')
    torch.save({'state_dict': {'conv.weight': torch.ones(2, 2)}}, ckpt)
    with pytest.raises(CheckpointMismatchError, match='missing') as info:
        init_matcher(CONFIG, ckpt, cfg_options=SMALL)
    assert 'conv.weight' in str(info.value)
    loaded = init_matcher(CONFIG, ckpt, cfg_options=SMALL, strict=False)
    assert not loaded.training
