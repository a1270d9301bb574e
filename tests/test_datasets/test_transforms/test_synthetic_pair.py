# Copyright (c) mmcorr contributors. All rights reserved.
"""RandomAffinePair: a training pair (two views) from one image."""
import cv2
import numpy as np
import pytest
from scipy.ndimage import map_coordinates

from mmcorr.datasets.transforms import PackMultiViewInputs, RandomAffinePair
from mmcorr.datasets.transforms.synthetic_pair import (invert_affine,
                                                       warp_affine)
from mmcorr.ops.coordinates import apply_homography
from mmcorr.structures import MultiViewDataSample
from image_moments import centroid


def coordinate_image(height, width):
    """Pixel (x, y) holds its own coordinates: a linear function."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.stack([xs, ys, np.zeros_like(xs)], -1)


def test_outputs_two_views():
    image = np.random.default_rng(0).integers(0, 256, (30, 40, 3),
                                              dtype=np.uint8)
    results = RandomAffinePair(scale=(48, 36), seed=0)(
        dict(img=image, gt_fg_mask=np.ones((30, 40), np.uint8),
             img_path='a.png', sample_idx=4))
    assert 'img' not in results and 'gt_fg_mask' not in results
    assert results['img_path'] == 'a.png' and results['sample_idx'] == 4
    assert len(results['views']) == 2
    for view in results['views']:
        assert view['img'].shape == (36, 48, 3)
        assert view['img'].dtype == np.uint8
        assert view['gt_fg_mask'].shape == (36, 48)
        assert view['gt_fg_mask'].dtype == np.float32
        assert 0 <= view['gt_fg_mask'].min() <= view['gt_fg_mask'].max() <= 1
        assert view['affine'].shape == (2, 3)
        assert view['img_shape'] == (36, 48)
        assert view['ori_shape'] == (30, 40)
        assert view['homography_matrix'].shape == (3, 3)
    packed = PackMultiViewInputs()(results)
    assert packed['inputs'].shape == (2, 3, 36, 48)
    sample = packed['data_samples']
    assert isinstance(sample, MultiViewDataSample)
    assert sample.source.gt_fg_mask.data.shape == (1, 36, 48)
    np.testing.assert_array_equal(sample.target.homography_matrix,
                                  results['views'][1]['homography_matrix'])
    assert sample.sample_idx == 4


@pytest.mark.parametrize('align_corners', [True, False])
def test_correspondences_are_exact(align_corners):
    transform = RandomAffinePair(scale=(40, 32), sigma=0.1, flip_prob=0,
                                 jitter=0, align_corners=align_corners,
                                 seed=3)
    src_view, tgt_view = transform(
        dict(img=np.zeros((32, 40, 3), np.uint8),
             gt_fg_mask=np.ones((32, 40), np.uint8)))['views']
    coords = coordinate_image(32, 40)
    src = warp_affine(coords, src_view['affine'], align_corners)
    tgt = warp_affine(coords, tgt_view['affine'], align_corners)
    points = np.array([[20.0, 16.0], [12.0, 10.0], [25.0, 20.0]])
    mapped = RandomAffinePair.correspondences(
        points, src_view['affine'], tgt_view['affine'], (32, 40),
        align_corners)
    for p, q in zip(points, mapped):
        original = src[int(p[1]), int(p[0]), :2]  # where p came from
        # bilinear read of the target at q gives the same original point
        value = [map_coordinates(tgt[..., c], [[q[1]], [q[0]]], order=1)[0]
                 for c in (0, 1)]
        np.testing.assert_allclose(value, original, atol=1e-3)


@pytest.mark.parametrize('align_corners', [True, False])
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_correspondences_agree_with_the_homographies(seed, align_corners):
    transform = RandomAffinePair(scale=(44, 36), sigma=0.15, flip_prob=0,
                                 align_corners=align_corners, seed=seed)
    src, tgt = transform(dict(img=np.zeros((30, 40, 3), np.uint8),
                              gt_fg_mask=np.ones((30, 40))))['views']
    points = np.array([[0., 0.], [10.5, 20.25], [43., 35.], [30., 3.]])
    direct = RandomAffinePair.correspondences(
        points, src['affine'], tgt['affine'], (36, 44), align_corners)
    through_original = apply_homography(
        tgt['homography_matrix'],
        apply_homography(np.linalg.inv(src['homography_matrix']), points))
    np.testing.assert_allclose(direct, through_original, atol=1e-9)


@pytest.mark.parametrize('flip_prob', [0.0, 1.0])
@pytest.mark.parametrize('align_corners', [True, False])
def test_homographies_follow_the_image_content(flip_prob, align_corners):
    """A bright disc of the original image lands where each view's
    homography says (flip, resize and warp)."""
    point = (14., 12.)
    image = np.zeros((30, 40, 3), np.uint8)
    cv2.circle(image, (14, 12), 2, (255, 255, 255), -1)
    for seed in range(3):
        transform = RandomAffinePair(scale=(48, 36), sigma=0.05,
                                     flip_prob=flip_prob, jitter=0,
                                     align_corners=align_corners, seed=seed)
        views = transform(dict(img=image, gt_fg_mask=np.ones((30, 40))))
        for view in views['views']:
            expected = apply_homography(view['homography_matrix'],
                                        np.array([point]))[0]
            np.testing.assert_allclose(centroid(view['img']), expected,
                                       atol=0.1)
            if flip_prob:  # mirrored: the disc moved to the right half
                assert expected[0] > 24


def test_masks_keep_only_pixels_visible_in_both():
    transform = RandomAffinePair(scale=(48, 48), sigma=0.25, flip_prob=0,
                                 seed=0)
    src, tgt = transform(dict(img=np.full((48, 48, 3), 128, np.uint8),
                              gt_fg_mask=np.ones((48, 48),
                                                 np.uint8)))['views']
    # source foreground, carried to the target, lands inside the target
    back = warp_affine(src['gt_fg_mask'], invert_affine(src['affine']))
    in_tgt = warp_affine(back, tgt['affine'])
    assert ((in_tgt > 0.9) <= (tgt['gt_fg_mask'] > 0.5)).mean() > 0.97
    assert 0 < src['gt_fg_mask'].mean() < 1


def test_mask_follows_the_flip():
    mask = np.zeros((20, 20), np.uint8)
    mask[:, :5] = 1  # the left quarter
    transform = RandomAffinePair(scale=(20, 20), sigma=0.0, flip_prob=1.0,
                                 jitter=0, seed=0)
    src, _ = transform(dict(img=np.zeros((20, 20, 3), np.uint8),
                            gt_fg_mask=mask))['views']
    assert src['gt_fg_mask'][:, -4:].min() > 0.99
    assert src['gt_fg_mask'][:, :10].max() == 0


def test_seeded_pairs_are_reproducible_and_differ_per_sample():
    transform = RandomAffinePair(scale=(24, 24), seed=7)
    image = np.random.default_rng(0).integers(0, 256, (24, 24, 3),
                                              dtype=np.uint8)
    made = [transform(dict(img=image, gt_fg_mask=np.ones((24, 24)),
                           sample_idx=i))['views'] for i in (0, 0, 1)]
    for key in ('img', 'gt_fg_mask', 'affine', 'homography_matrix'):
        for a, b in zip(made[0], made[1]):
            np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(made[0][0]['affine'], made[2][0]['affine'])
    assert not np.array_equal(made[0][0]['affine'], made[0][1]['affine'])


def test_unseeded_pairs_follow_numpy_global_seed():
    transform = RandomAffinePair(scale=(16, 16))

    def make(seed):
        np.random.seed(seed)
        return transform(dict(img=np.zeros((16, 16, 3), np.uint8),
                              gt_fg_mask=np.ones((16, 16))))['views']

    np.testing.assert_array_equal(make(5)[0]['affine'], make(5)[0]['affine'])
    assert not np.array_equal(make(5)[0]['affine'], make(6)[0]['affine'])


def test_needs_image_and_mask():
    with pytest.raises(KeyError, match='needs "img" and "gt_fg_mask"'):
        RandomAffinePair()(dict(img=np.zeros((4, 4, 3), np.uint8)))
    with pytest.raises(KeyError, match='needs "img" and "gt_fg_mask"'):
        RandomAffinePair()(dict(gt_fg_mask=np.zeros((4, 4))))
