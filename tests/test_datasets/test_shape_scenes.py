# Copyright (c) mmcorr contributors. All rights reserved.
import hashlib
import os
import os.path as osp
import shutil
import time

import cv2
import numpy as np
import pytest

from mmcorr.datasets import SampleLoadError, ShapeScenesDataset
from mmcorr.datasets.synthetic import (SHAPE_SCENES_CLASSES,
                                       generate_shape_scenes, render_scene)

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCheckedAnnotations'),
    dict(type='PackSegInputs')
]


def _digest(root):
    h = hashlib.sha256()
    for split in ('train', 'val'):
        for sub in ('img_dir', 'ann_dir'):
            folder = osp.join(root, sub, split)
            for name in sorted(os.listdir(folder)):
                with open(osp.join(folder, name), 'rb') as f:
                    h.update(f.read())
    return h.hexdigest()


def test_generation_is_deterministic_and_in_mmseg_layout(tmp_path):
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    generate_shape_scenes(a, num_train=5, num_val=2, height=48, width=64)
    generate_shape_scenes(b, num_train=5, num_val=2, height=48, width=64)
    assert _digest(a) == _digest(b)
    image = cv2.imread(osp.join(a, 'img_dir', 'train', '00004.png'))
    label = cv2.imread(osp.join(a, 'ann_dir', 'val', '00001.png'),
                       cv2.IMREAD_UNCHANGED)
    assert image.shape == (48, 64, 3) and image.dtype == np.uint8
    assert label.shape == (48, 64) and label.max() < len(SHAPE_SCENES_CLASSES)
    c = str(tmp_path / 'c')
    generate_shape_scenes(c, num_train=5, num_val=2, height=48, width=64,
                          seed=1)
    assert _digest(a) != _digest(c)


def test_regeneration_with_other_parameters_replaces_files(tmp_path):
    root = str(tmp_path / 'd')
    generate_shape_scenes(root, num_train=6, num_val=2, height=32, width=32)
    generate_shape_scenes(root, num_train=3, num_val=2, height=32, width=32)
    assert len(list((tmp_path / 'd' / 'img_dir' / 'train').iterdir())) == 3


def test_scenes_have_all_classes_thin_structures_and_small_objects():
    counts = np.zeros(len(SHAPE_SCENES_CLASSES))
    thin_pixels = small_objects = 0
    for i in range(40):
        _, label = render_scene(np.random.default_rng((0, 0, i)), 128, 128)
        counts += np.bincount(label.ravel(), minlength=len(counts))
        for cls in (5, 6):  # pole, wire: thin structures
            mask = (label == cls).astype(np.uint8)
            eroded = cv2.erode(mask, np.ones((7, 7), np.uint8))
            thin_pixels += int(mask.sum() - eroded.sum())
        n, _, stats, _ = cv2.connectedComponentsWithStats(
            (label == 7).astype(np.uint8))
        small_objects += int((stats[1:, cv2.CC_STAT_AREA] <= 30).sum())
    assert (counts > 0).all(), counts
    assert thin_pixels > 1000
    assert small_objects > 40
    # several scales: disc areas spread over more than an order of magnitude
    areas = []
    for i in range(40):
        _, label = render_scene(np.random.default_rng((0, 0, i)), 128, 128)
        n, _, stats, _ = cv2.connectedComponentsWithStats(
            (label == 1).astype(np.uint8))
        areas.extend(stats[1:, cv2.CC_STAT_AREA])
    assert max(areas) / max(1, min(areas)) > 20


def test_default_size_generates_quickly(tmp_path):
    start = time.perf_counter()
    generate_shape_scenes(str(tmp_path), num_train=60, num_val=0)
    per_image = (time.perf_counter() - start) / 60
    # the default 360 images must take well under a minute on 2 cores
    assert per_image * 360 < 60


def test_dataset_loads_with_mmseg_transforms(shape_scenes_root):
    dataset = ShapeScenesDataset(
        data_root=shape_scenes_root,
        data_prefix=dict(img_path='img_dir/train',
                         seg_map_path='ann_dir/train'),
        pipeline=PIPELINE)
    assert len(dataset) == 12
    assert dataset.metainfo['classes'] == SHAPE_SCENES_CLASSES
    assert len(dataset.metainfo['palette']) == len(SHAPE_SCENES_CLASSES)
    sample = dataset[0]
    assert sample['inputs'].shape == (3, 64, 64)
    assert sample['data_samples'].gt_sem_seg.data.shape == (1, 64, 64)


def test_missing_data_root_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match='data root .* does not exist.*generate_shape'):
        ShapeScenesDataset(
            data_root=str(tmp_path / 'nowhere'),
            data_prefix=dict(img_path='img_dir/train',
                             seg_map_path='ann_dir/train'))


@pytest.mark.parametrize('which', ['img_dir', 'ann_dir'])
def test_corrupt_file_is_a_clear_error(shape_scenes_root, tmp_path, which):
    root = str(tmp_path / 'copy')
    shutil.copytree(shape_scenes_root, root)
    bad = osp.join(root, which, 'val', '00002.png')
    with open(bad, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n this is not an image')
    dataset = ShapeScenesDataset(
        data_root=root,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=PIPELINE,
        test_mode=True)
    dataset[1]
    with pytest.raises(SampleLoadError, match='sample 2.*corrupt') as info:
        dataset[2]
    assert bad in str(info.value)


def test_missing_file_is_named(shape_scenes_root, tmp_path):
    root = str(tmp_path / 'copy')
    shutil.copytree(shape_scenes_root, root)
    dataset = ShapeScenesDataset(
        data_root=root,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=PIPELINE,
        test_mode=True)
    missing = osp.join(root, 'ann_dir', 'val', '00000.png')
    os.remove(missing)
    with pytest.raises(SampleLoadError, match='missing file'):
        dataset[0]
