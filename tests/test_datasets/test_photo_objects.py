# Copyright (c) mmcorr contributors. All rights reserved.
"""PhotoObjects: the embedded correspondence benchmark."""
import csv
import filecmp
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmcorr.datasets import (PhotoObjectPairsDataset, PhotoObjectsDataset,
                             generate_photo_objects)
from mmcorr.datasets.pair_csv import CsvFormatError
from mmcorr.datasets.synthetic.photo_objects import (PHOTOS, PhotoPool,
                                                     coin_objects, compose)
from mmcorr.datasets.transforms import (LoadForegroundMask,
                                        PackMultiViewInputs, RandomAffinePair)
from mmcorr.registry import DATASETS
from mmcorr.structures import MultiViewDataSample

DATASET_CONFIGS = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    '_base_', 'datasets')


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
    from mmcorr.datasets.synthetic.photo_objects import random_crop
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


def test_training_pipeline_makes_pairs(photo_objects_root):
    dataset = PhotoObjectsDataset(
        data_root=photo_objects_root,
        data_prefix=dict(img_path='img_dir/train',
                         seg_map_path='ann_dir/train'),
        pipeline=[dict(type='LoadImageFromFile'),
                  LoadForegroundMask(),
                  RandomAffinePair(scale=(64, 64), seed=0),
                  PackMultiViewInputs()])
    assert len(dataset) == 12
    item = dataset[0]
    assert item['inputs'].shape == (2, 3, 64, 64)
    sample = item['data_samples']
    assert isinstance(sample, MultiViewDataSample) and len(sample) == 2
    for view in sample:
        mask = view.gt_fg_mask.data
        assert mask.shape == (1, 64, 64) and 0 < mask.mean() < 1
        assert view.ori_shape == (96, 96) and view.img_shape == (64, 64)
        assert view.homography_matrix.shape == (3, 3)
    assert sample.sample_idx == 0
    # the same sample again: the same pair (seeded per sample index)
    again = dataset[0]
    assert torch.equal(again['inputs'], item['inputs'])


def test_shipped_pipelines(photo_objects_root):
    """configs/_base_/datasets/photo_objects.py, at a small scale."""
    cfg = Config.fromfile(osp.join(DATASET_CONFIGS, 'photo_objects.py'))
    train = cfg.train_dataloader.dataset
    train.update(data_root=photo_objects_root)
    train.pipeline[2]['scale'] = (48, 48)
    item = DATASETS.build(train)[1]
    assert item['inputs'].shape == (2, 3, 48, 48)
    test = cfg.test_dataloader.dataset
    test.update(data_root=photo_objects_root)
    test.pipeline[0]['transforms'][1]['scale'] = (40, 40)
    dataset = DATASETS.build(test)
    assert len(dataset) == 4
    sample = dataset[0]['data_samples']
    assert dataset[0]['inputs'].shape == (2, 3, 40, 40)
    for view in sample:
        assert view.ori_shape == (80, 80) and view.img_shape == (40, 40)
        np.testing.assert_allclose(view.homography_matrix,
                                   [[0.5, 0, -0.25], [0, 0.5, -0.25],
                                    [0, 0, 1]])
        assert view.gt_keypoints.shape[1] == 2
    assert sample.gt_keypoint_valid.all()
    assert sample.category == 'object' and sample.category_id == 0


def test_pairs_dataset(photo_objects_root):
    dataset = PhotoObjectPairsDataset(data_root=photo_objects_root,
                                      ann_file='heldout_pairs.csv',
                                      pipeline=[])
    info = dataset[0]
    assert set(info) == {'views', 'keypoint_valid', 'category',
                         'category_id', 'pair_index', 'sample_idx'}
    src, tgt = info['views']
    assert set(src) == set(tgt) == {'img_path', 'keypoints'}
    assert src['keypoints'].shape[1] == 2
    assert src['keypoints'].shape == tgt['keypoints'].shape
    assert info['keypoint_valid'].all()
    assert len(info['keypoint_valid']) == len(src['keypoints'])
    assert osp.isfile(src['img_path']) and osp.isfile(tgt['img_path'])
    assert src['img_path'].endswith('_src.png')
    assert tgt['img_path'].endswith('_tgt.png')
    assert info['category'] == 'object' and info['pair_index'] == 0


def test_pairs_dataset_errors(tmp_path, photo_objects_root):
    with pytest.raises(FileNotFoundError, match='generate_photo_objects'):
        PhotoObjectPairsDataset(data_root=str(tmp_path / 'missing'),
                                ann_file='heldout_pairs.csv')
    bad = tmp_path / 'bad.csv'
    bad.write_text('source_image,target_image,XA,YA,XB,YB\n'
                   'a.png,b.png,1;2,3;4,5\n')
    with pytest.raises(CsvFormatError, match='5 columns'):
        PhotoObjectPairsDataset(data_root=str(tmp_path),
                                ann_file='bad.csv')
    bad.write_text('source_image,target_image,XA,YA,XB,YB\n'
                   'a.png,b.png,1;2,3;4,5,6\n')
    with pytest.raises(CsvFormatError, match='line 2.*2 source and 1 target'):
        PhotoObjectPairsDataset(data_root=str(tmp_path),
                                ann_file='bad.csv')
    with pytest.raises(FileNotFoundError, match='generate_photo_objects'):
        PhotoObjectsDataset(data_root=str(tmp_path / 'missing'),
                            data_prefix=dict(img_path='img_dir/train'))
