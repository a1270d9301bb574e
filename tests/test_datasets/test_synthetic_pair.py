# Copyright (c) mmcorr contributors. All rights reserved.
import cv2
import numpy as np
import pytest
from scipy.ndimage import map_coordinates

from mmcorr.datasets.transforms import (LoadForegroundMask, PackPairInputs,
                                        RandomAffinePair)
from mmcorr.datasets.transforms.synthetic_pair import (invert_affine,
                                                       warp_affine)


def coordinate_image(height, width):
    """Pixel (x, y) holds its own coordinates: a linear function."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.stack([xs, ys, np.zeros_like(xs)], -1)


@pytest.mark.parametrize('align_corners', [True, False])
def test_correspondences_are_exact(align_corners):
    transform = RandomAffinePair(scale=(40, 32), sigma=0.1, flip_prob=0,
                                 jitter=0, align_corners=align_corners,
                                 seed=3)
    results = transform(dict(img=np.zeros((32, 40, 3), np.uint8),
                             gt_fg_mask=np.ones((32, 40), np.uint8)))
    coords = coordinate_image(32, 40)
    src = warp_affine(coords, results['src_affine'], align_corners)
    tgt = warp_affine(coords, results['tgt_affine'], align_corners)
    points = np.array([[20.0, 16.0], [12.0, 10.0], [25.0, 20.0]])
    mapped = RandomAffinePair.correspondences(
        points, results['src_affine'], results['tgt_affine'], (32, 40),
        align_corners)
    for p, q in zip(points, mapped):
        original = src[int(p[1]), int(p[0]), :2]  # where p came from
        # bilinear read of the target at q gives the same original point
        value = [map_coordinates(tgt[..., c], [[q[1]], [q[0]]], order=1)[0]
                 for c in (0, 1)]
        np.testing.assert_allclose(value, original, atol=1e-3)


def test_masks_keep_only_pixels_visible_in_both():
    transform = RandomAffinePair(scale=(48, 48), sigma=0.25, flip_prob=0,
                                 seed=0)
    results = transform(dict(img=np.full((48, 48, 3), 128, np.uint8),
                             gt_fg_mask=np.ones((48, 48), np.uint8)))
    assert results['src_img'].shape == results['tgt_img'].shape == (48, 48,
                                                                     3)
    # source foreground, carried to the target, lands inside the target
    src_mask, tgt_mask = results['src_mask'], results['tgt_mask']
    back = warp_affine(src_mask, invert_affine(results['src_affine']))
    in_tgt = warp_affine(back, results['tgt_affine'])
    assert ((in_tgt > 0.9) <= (tgt_mask > 0.5)).mean() > 0.97
    assert 0 < src_mask.mean() < 1
    packed = PackPairInputs()(results)
    assert packed['inputs'].shape == (2, 3, 48, 48)
    assert packed['data_samples'].gt_src_mask.data.shape == (1, 48, 48)


def test_seeded_pairs_are_reproducible_and_differ_per_sample():
    transform = RandomAffinePair(scale=(24, 24), seed=7)
    image = np.random.default_rng(0).integers(0, 256, (24, 24, 3),
                                              dtype=np.uint8)
    make = [transform(dict(img=image, gt_fg_mask=np.ones((24, 24)),
                           sample_idx=i)) for i in (0, 0, 1)]
    np.testing.assert_array_equal(make[0]['src_img'], make[1]['src_img'])
    assert not np.array_equal(make[0]['src_affine'], make[2]['src_affine'])


def test_foreground_mask_and_errors(tmp_path):
    label = np.array([[0, 3, 255], [15, 0, 0]], np.uint8)
    path = str(tmp_path / 'label.png')
    cv2.imwrite(path, label)
    out = LoadForegroundMask()(dict(seg_map_path=path))
    np.testing.assert_array_equal(out['gt_fg_mask'], [[0, 1, 0], [1, 0, 0]])
    with pytest.raises(FileNotFoundError, match='cannot read label map'):
        LoadForegroundMask()(dict(seg_map_path=str(tmp_path / 'no.png')))
    with pytest.raises(KeyError, match='needs "img" and "gt_fg_mask"'):
        RandomAffinePair()(dict(img=np.zeros((4, 4, 3), np.uint8)))
