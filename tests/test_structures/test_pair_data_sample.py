# Copyright (c) mmcorr contributors. All rights reserved.
import pytest
import torch
from mmengine.structures import PixelData

from mmcorr.structures import PairDataSample

FIELDS = {
    'gt_src_mask': lambda: PixelData(data=torch.ones(1, 4, 5)),
    'gt_tgt_mask': lambda: PixelData(data=torch.zeros(1, 4, 5)),
    'gt_src_keypoints': lambda: torch.rand(3, 2),
    'gt_tgt_keypoints': lambda: torch.rand(3, 2),
    'gt_keypoint_valid': lambda: torch.tensor([True, False, True]),
    'gt_src_bbox': lambda: torch.tensor([1., 2., 30., 40.]),
    'gt_tgt_bbox': lambda: torch.tensor([0., 0., 9., 9.]),
    'gt_src_bbox_size': lambda: torch.tensor(38.),
    'gt_tgt_bbox_size': lambda: torch.tensor(9.),
    'pred_grid_t2s': lambda: torch.rand(20, 20, 2) * 2 - 1,
    'pred_grid_s2t': lambda: torch.rand(18, 16, 2) * 2 - 1,
}


@pytest.mark.parametrize('name', sorted(FIELDS))
def test_field_set_get_delete(name):
    sample = PairDataSample()
    assert name not in sample
    value = FIELDS[name]()
    setattr(sample, name, value)
    assert name in sample and name in sample.keys()
    assert getattr(sample, name) is value
    assert name in sample.to_dict()
    moved = sample.to('cpu')
    assert name in moved
    delattr(sample, name)
    assert name not in sample
    with pytest.raises(AttributeError):
        getattr(sample, name)


BAD_SHAPES = {
    'gt_src_keypoints': torch.zeros(3),
    'gt_tgt_keypoints': torch.zeros(3, 3),
    'gt_keypoint_valid': torch.ones(3, 1, dtype=torch.bool),
    'gt_src_bbox': torch.zeros(2, 2),
    'gt_src_bbox_size': torch.zeros(1),
    'pred_grid_t2s': torch.zeros(20, 20),
    'pred_grid_s2t': torch.zeros(1, 20, 20, 2),
    'gt_src_mask': PixelData(data=torch.zeros(2, 4, 4)),
}


@pytest.mark.parametrize('name', sorted(BAD_SHAPES))
def test_bad_shapes_name_the_field(name):
    with pytest.raises(ValueError, match=name):
        setattr(PairDataSample(), name, BAD_SHAPES[name])


def test_wrong_types_and_dtypes():
    sample = PairDataSample()
    with pytest.raises(TypeError, match='gt_src_keypoints'):
        sample.gt_src_keypoints = [[1., 2.]]
    with pytest.raises(TypeError, match='gt_src_mask'):
        sample.gt_src_mask = torch.zeros(1, 4, 4)
    with pytest.raises(ValueError, match='torch.bool'):
        sample.gt_keypoint_valid = torch.ones(3)


def test_metainfo_and_data_fields_are_separate():
    meta = dict(src_img_path='a.png', tgt_img_path='b.png',
                src_ori_shape=(30, 40), tgt_ori_shape=(36, 50),
                img_shape=(320, 320), category='cat', pair_index=3)
    sample = PairDataSample(metainfo=meta)
    sample.gt_src_keypoints = torch.zeros(2, 2)
    assert sample.metainfo == meta
    assert sample.keys() == ['gt_src_keypoints']
    assert sample.to_dict()['src_ori_shape'] == (30, 40)
    assert sample.category == 'cat'
