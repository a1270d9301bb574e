# Copyright (c) mmcorr contributors. All rights reserved.
"""PhotoObjects: the embedded correspondence benchmark's datasets (training
images, held-out pairs) and its shipped pipelines."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from paths import REPO

from mmcorr.datasets import PhotoObjectPairsDataset, PhotoObjectsDataset
from mmcorr.datasets.pair_csv import CsvFormatError
from mmcorr.datasets.transforms import (LoadForegroundMask,
                                        PackMultiViewInputs, RandomAffinePair)
from mmcorr.registry import DATASETS
from mmcorr.structures import MultiViewDataSample

DATASET_CONFIGS = osp.join(REPO, 'configs', '_base_', 'datasets')


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
