# Copyright (c) mmcorr contributors. All rights reserved.
"""The PhotoObjects generator: disjoint photographs per split, coins,
composites, deterministic output and held-out keypoints that follow the
object."""
import csv
import filecmp
import os
import os.path as osp

import cv2
import numpy as np

from mmcorr.datasets import generate_photo_objects
from mmcorr.datasets.synthetic.photo_objects_generator import (PHOTOS,
                                                               PhotoPool,
                                                               coin_objects,
                                                               compose)


def read_pairs(root):
    with open(osp.join(root, 'heldout_pairs.csv'), newline='') as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def numbers(text):
    return np.array([float(v) for v in text.split(';')])


def test_splits_share_no_photograph():
    for role in ('backgrounds', 'textures'):
        assert not set(PHOTOS['train'][role]) & set(PHOTOS['heldout'][role])


def test_coins_are_single_round_objects():
    coins = coin_objects()
    assert len(coins) >= 8
    for rgb, mask in coins:
        assert rgb.shape[:2] == mask.shape and mask.dtype == bool
        # a filled disc covers about pi / 4 of its box
        assert 0.65 < mask.mean() < 0.9


def test_composite_mask_is_exactly_the_pasted_object():
    pool = PhotoPool()
    rng = np.random.default_rng(3)
    image, mask = compose(rng, pool, 'train', 96)
    rng = np.random.default_rng(3)
    # the same draws without the object: only masked pixels may differ
    background = compose_background_only(rng, pool, 96)
    changed = np.any(image != background, axis=2)
    assert set(np.unique(mask)) == {0, 1}
    assert not changed[mask == 0].any()
    assert 0.05 < mask.mean() < 0.8


def compose_background_only(rng, pool, size):
    from mmcorr.datasets.synthetic.photo_objects_generator import random_crop
    backgrounds = PHOTOS['train']['backgrounds']
    background = pool.photo(backgrounds[rng.integers(len(backgrounds))])
    return random_crop(rng, background, (size, size), 0.4)


def test_generation_is_deterministic_and_skipped_when_up_to_date(tmp_path):
    kwargs = dict(num_train=3, num_pairs=2, size=64, pair_scale=64,
                  num_points=5)
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    generate_photo_objects(a, **kwargs)
    generate_photo_objects(b, **kwargs)
    files = sorted(os.listdir(osp.join(a, 'pairs')))
    assert len(files) == 8
    match, mismatch, errors = filecmp.cmpfiles(
        osp.join(a, 'pairs'), osp.join(b, 'pairs'), files, shallow=False)
    assert not mismatch and not errors
    stamp = osp.getmtime(osp.join(a, 'heldout_pairs.csv'))
    generate_photo_objects(a, **kwargs)
    assert osp.getmtime(osp.join(a, 'heldout_pairs.csv')) == stamp


def test_heldout_keypoints_lie_on_the_object_in_both_images(
        photo_objects_root):
    header, rows = read_pairs(photo_objects_root)
    assert header == ['source_image', 'target_image', 'XA', 'YA', 'XB', 'YB']
    assert len(rows) == 4
    for row in rows:
        src_mask = cv2.imread(osp.join(photo_objects_root,
                                       row[0][:-4] + '_mask.png'), 0)
        tgt_mask = cv2.imread(osp.join(photo_objects_root,
                                       row[1][:-4] + '_mask.png'), 0)
        src = np.stack([numbers(row[2]), numbers(row[3])], 1)
        tgt = np.stack([numbers(row[4]), numbers(row[5])], 1)
        assert 0 < len(src) <= 10 and src.shape == tgt.shape
        assert ((tgt >= 0) & (tgt <= 79)).all()
        assert src_mask[src[:, 1].astype(int), src[:, 0].astype(int)].all()
        near = np.round(tgt).astype(int)
        # the exact target is on the object (within a pixel of its edge)
        dilated = cv2.dilate(tgt_mask, np.ones((3, 3), np.uint8))
        assert dilated[near[:, 1], near[:, 0]].all()


def test_heldout_keypoints_follow_the_image_content(photo_objects_root):
    """Colour at a source keypoint ~ colour at its target (jitter aside)."""
    _, rows = read_pairs(photo_objects_root)
    errors, baseline = [], []
    for row in rows:
        src_img = cv2.imread(osp.join(photo_objects_root, row[0]))
        tgt_img = cv2.imread(osp.join(photo_objects_root, row[1]))
        src = np.stack([numbers(row[2]), numbers(row[3])], 1)
        tgt = np.round(np.stack([numbers(row[4]), numbers(row[5])], 1))
        src = src.astype(int)
        tgt = tgt.astype(int)
        a = src_img[src[:, 1], src[:, 0]].astype(float)
        b = tgt_img[tgt[:, 1], tgt[:, 0]].astype(float)
        shuffled = tgt_img[src[:, 1], src[:, 0]].astype(float)
        errors.append(np.abs(a - b).mean())
        baseline.append(np.abs(a - shuffled).mean())
    assert np.mean(errors) < 0.6 * np.mean(baseline)
