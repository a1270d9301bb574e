# Copyright (c) mmcorr contributors. All rights reserved.
"""mmcorr.apis.correspondence: match_images and warp_image.

Every resize is undone with the mapping the test pipeline recorded
(``RecordedResize``: ``x' = (x + 0.5) W' / W - 0.5``; ``RecordedPad``: a
shift by the left / top margins)."""
import inspect
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from correspondence_fixtures import (make_result, pipeline_text,
                                     pixel_lattice, protocol_matrix,
                                     resize_matrix, shift_matrix,
                                     shifted_result, write_config)
from paths import REPO

from mmcorr.apis import init_model, match_images, warp_image
from mmcorr.ops import identity_grid
from mmcorr.structures import CorrespondenceResult

CONFIG = osp.join(REPO, 'configs', 'sfnet_corr',
                  'sfnet-corr_r101_pf-pascal-test-320x320.py')
#: ResNet-18 trunk, random weights: small and fast
SMALL = {'model.backbone.depth': 18, 'model.backbone.init_cfg': None,
         'model.adaptation_channels': [256, 512]}


def ramp(shape):
    """A float32 image linear in x and y."""
    lattice = pixel_lattice(shape)
    return (3 * lattice[..., 0] + 2 * lattice[..., 1] + 5).astype(np.float32)


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
def pascal_model():
    """The PF-PASCAL test protocol (288 + 16 px, 320 input) on a ResNet-18
    trunk."""
    return init_model(CONFIG, cfg_options=SMALL)


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
