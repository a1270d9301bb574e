# Copyright (c) mmcorr contributors. All rights reserved.
"""A label map of another size than its image is refused at load time.

It used to train without a word and then fail in mmseg's metric with an
IndexError naming no file (issue 9).
"""
import os.path as osp
import re
import shutil

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from paths import REPO

from mmcorr.datasets import (PhotoObjectsDataset, SampleLoadError,
                             ShapeScenesDataset)
from mmcorr.datasets.load_errors import LabelSizeError
from mmcorr.datasets.transforms import (ForEachView, LoadCheckedImage,
                                        LoadForegroundMask)
from mmcorr.registry import TRANSFORMS

DATASET_CONFIGS = osp.join(REPO, 'configs', '_base_', 'datasets')


def _shrink(path: str) -> tuple:
    """Rewrite the PNG at ``path`` at half its width; returns old, new
    ``(H, W)``."""
    label = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    small = cv2.resize(label, (label.shape[1] // 2, label.shape[0]),
                       interpolation=cv2.INTER_NEAREST)
    cv2.imwrite(path, small)
    return label.shape[:2], small.shape[:2]


def _expected_message(label, image, label_hw, image_hw):
    return (f"label map '{label}' is {label_hw[0]}x{label_hw[1]} (H x W) "
            f"but its image '{image}' is {image_hw[0]}x{image_hw[1]}")


@pytest.fixture
def mis_sized_scenes(shape_scenes_root, tmp_path):
    """A ShapeScenes copy whose val label 00002 is half as wide as its
    image."""
    root = str(tmp_path / 'scenes')
    shutil.copytree(shape_scenes_root, root)
    label = osp.join(root, 'ann_dir', 'val', '00002.png')
    image = osp.join(root, 'img_dir', 'val', '00002.png')
    image_hw, label_hw = _shrink(label)
    return dict(root=root, label=label, image=image,
                message=_expected_message(label, image, label_hw, image_hw))


@pytest.mark.parametrize('pipeline', ['train_pipeline', 'test_pipeline'])
def test_shipped_shape_scenes_pipelines_name_the_label(
        mis_sized_scenes, pipeline):
    """Both pipelines of configs/_base_/datasets/shape_scenes.py; the test
    one resizes the image before loading the label."""
    cfg = Config.fromfile(osp.join(DATASET_CONFIGS, 'shape_scenes.py'))
    dataset = ShapeScenesDataset(
        data_root=mis_sized_scenes['root'],
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=cfg[pipeline],
        test_mode=True)
    dataset[1]  # the well-sized samples load
    with pytest.raises(LabelSizeError) as info:
        dataset[2]
    assert isinstance(info.value, SampleLoadError)
    assert mis_sized_scenes['message'] in str(info.value)


def test_checked_annotations_extend_mmseg_and_leave_its_name_alone():
    from mmseg.datasets.transforms import \
        LoadAnnotations as MMSegLoadAnnotations
    transform = TRANSFORMS.build(dict(type='LoadCheckedAnnotations'))
    assert isinstance(transform, MMSegLoadAnnotations)
    assert type(TRANSFORMS.build(dict(type='LoadAnnotations'))) is \
        MMSegLoadAnnotations


def test_load_annotations_without_image_skips_the_check(mis_sized_scenes):
    transform = TRANSFORMS.build(dict(type='LoadCheckedAnnotations'))
    results = transform(dict(seg_map_path=mis_sized_scenes['label'],
                             seg_fields=[], reduce_zero_label=False))
    assert results['gt_seg_map'].shape == (64, 32)


def test_shipped_photo_objects_pipeline_names_the_mask(photo_objects_root,
                                                       tmp_path):
    """LoadForegroundMask of the correspondence training pipeline, where
    RandomAffinePair used to resize image and mask apart without a word."""
    root = str(tmp_path / 'objects')
    shutil.copytree(photo_objects_root, root)
    label = osp.join(root, 'ann_dir', 'train', '00003.png')
    image = osp.join(root, 'img_dir', 'train', '00003.png')
    image_hw, label_hw = _shrink(label)
    cfg = Config.fromfile(osp.join(DATASET_CONFIGS, 'photo_objects.py'))
    dataset = PhotoObjectsDataset(
        data_root=root,
        data_prefix=dict(img_path='img_dir/train',
                         seg_map_path='ann_dir/train'),
        pipeline=cfg.train_pipeline)
    index = [osp.basename(info['img_path'])
             for info in dataset.load_data_list()].index('00003.png')
    with pytest.raises(LabelSizeError,
                       match=re.escape(_expected_message(
                           label, image, label_hw, image_hw))):
        dataset[index]


@pytest.mark.parametrize('threshold', [None, 0])
def test_pair_mask_error_names_mask_image_and_sizes(tmp_path, threshold):
    """A mask of one view of a pair (LoadForegroundMask after
    LoadCheckedImage in ForEachView, as LoadMaskPairFromFile did) names
    the mask, its image and both sizes."""
    image = str(tmp_path / 'img.png')
    mask = str(tmp_path / 'mask.png')
    good = str(tmp_path / 'good.png')
    cv2.imwrite(image, np.full((30, 40, 3), 100, np.uint8))
    cv2.imwrite(mask, np.full((30, 20), 1, np.uint8))
    cv2.imwrite(good, np.full((30, 40), 1, np.uint8))
    transform = ForEachView([LoadCheckedImage(),
                             LoadForegroundMask(threshold=threshold)])
    views = [dict(img_path=image, seg_map_path=good),
             dict(img_path=image, seg_map_path=mask)]
    with pytest.raises(LabelSizeError,
                       match=re.escape(_expected_message(
                           mask, image, (30, 20), (30, 40)))):
        transform(dict(views=views))
    views[1]['seg_map_path'] = good
    out = transform(dict(views=views))['views']
    assert [v['gt_fg_mask'].shape for v in out] == [(30, 40), (30, 40)]
