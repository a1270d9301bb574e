# Copyright (c) mmcorr contributors. All rights reserved.
"""ShapeScenesDataset: loading with mmseg transforms and clear errors for
missing or corrupt files."""
import os
import os.path as osp
import shutil

import pytest

from mmcorr.datasets import SampleLoadError, ShapeScenesDataset
from mmcorr.datasets.synthetic import SHAPE_SCENES_CLASSES

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCheckedAnnotations'),
    dict(type='PackSegInputs')
]


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
