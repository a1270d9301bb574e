# Copyright (c) mmcorr contributors. All rights reserved.
"""ViewDataSample: mmseg's SegDataSample plus typed per-view fields."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmcorr.structures import ViewDataSample

FIELDS = {
    'gt_fg_mask': lambda: PixelData(data=torch.rand(1, 4, 5)),
    'gt_keypoints': lambda: torch.rand(3, 2),
    'gt_bbox': lambda: torch.tensor([1., 2., 30., 40.]),
    'gt_bbox_size': lambda: torch.tensor(38.),
}


@pytest.mark.parametrize('name', sorted(FIELDS))
def test_field_set_get_delete(name):
    sample = ViewDataSample()
    assert name not in sample
    value = FIELDS[name]()
    setattr(sample, name, value)
    assert name in sample and name in sample.keys()
    assert '_' + name not in sample.keys()
    assert getattr(sample, name) is value
    assert name in sample.to_dict()
    assert name in sample.to('cpu') and name in sample.clone()
    delattr(sample, name)
    assert name not in sample
    with pytest.raises(AttributeError):
        getattr(sample, name)


def test_keypoints_may_be_empty():
    sample = ViewDataSample()
    sample.gt_keypoints = torch.zeros(0, 2)
    assert sample.gt_keypoints.shape == (0, 2)


BAD_SHAPES = {
    'gt_keypoints': [torch.zeros(3), torch.zeros(3, 3), torch.zeros(1, 3, 2)],
    'gt_bbox': [torch.zeros(2, 2), torch.zeros(5), torch.zeros(())],
    'gt_bbox_size': [torch.zeros(1), torch.zeros(2, 2)],
    'gt_fg_mask': [PixelData(data=torch.zeros(2, 4, 4))],
}


@pytest.mark.parametrize('name,value', [(name, value)
                                        for name, values in BAD_SHAPES.items()
                                        for value in values])
def test_bad_shapes_name_the_field(name, value):
    sample = ViewDataSample()
    with pytest.raises(ValueError, match=name) as info:
        setattr(sample, name, value)
    assert str(tuple(getattr(value, 'data', value).shape)) in str(info.value)
    assert name not in sample


def test_refused_value_leaves_the_sample_intact():
    sample = ViewDataSample()
    with pytest.raises(ValueError, match='gt_keypoints'):
        sample.gt_keypoints = torch.zeros(3)
    assert 'gt_keypoints' not in sample and sample.keys() == []
    assert sample.to_dict() == {}
    repr(sample)
    kept = torch.zeros(2, 2)
    sample.gt_keypoints = kept
    with pytest.raises(TypeError, match='gt_keypoints'):
        sample.gt_keypoints = [[0., 0.]]
    assert sample.gt_keypoints is kept and sample.keys() == ['gt_keypoints']


@pytest.mark.parametrize('name,value', [
    ('gt_keypoints', [[1., 2.]]),
    ('gt_bbox', (1, 2, 3, 4)),
    ('gt_bbox_size', 3.0),
    ('gt_fg_mask', torch.zeros(1, 4, 4)),
])
def test_wrong_types_name_the_field(name, value):
    with pytest.raises(TypeError, match=name):
        setattr(ViewDataSample(), name, value)


def test_mask_without_data_is_refused():
    with pytest.raises(ValueError, match='gt_fg_mask.*data'):
        ViewDataSample().gt_fg_mask = PixelData()


def test_is_an_mmseg_sample_with_mmseg_fields():
    sample = ViewDataSample(metainfo=dict(img_shape=(4, 5)))
    assert isinstance(sample, SegDataSample)
    labels = torch.randint(0, 3, (1, 4, 5))
    sample.gt_sem_seg = PixelData(data=labels)
    sample.pred_sem_seg = PixelData(data=labels.clone())
    sample.seg_logits = PixelData(data=torch.rand(3, 4, 5))
    sample.gt_fg_mask = PixelData(data=torch.ones(1, 4, 5))
    assert set(sample.keys()) == {'gt_sem_seg', 'pred_sem_seg', 'seg_logits',
                                  'gt_fg_mask'}
    assert torch.equal(sample.gt_sem_seg.data, labels)
    with pytest.raises(AssertionError):  # mmseg's own type check
        sample.gt_sem_seg = labels
    out = sample.to_dict()
    assert out['img_shape'] == (4, 5)
    assert isinstance(out['gt_sem_seg'], dict)
    assert torch.equal(out['gt_sem_seg']['data'], labels)


def test_metainfo_and_data_fields_are_separate():
    meta = dict(img_path='a.png', ori_shape=(30, 40), img_shape=(32, 32),
                homography_matrix=np.eye(3))
    sample = ViewDataSample(metainfo=meta)
    sample.gt_keypoints = torch.zeros(2, 2)
    assert set(sample.metainfo_keys()) == set(meta)
    assert sample.keys() == ['gt_keypoints']
    assert sample.ori_shape == (30, 40)
    assert sample.to_dict()['img_path'] == 'a.png'


def test_numpy_and_back():
    sample = ViewDataSample()
    for name, make in FIELDS.items():
        setattr(sample, name, make())
    arrays = sample.numpy()
    assert isinstance(arrays.gt_keypoints, np.ndarray)
    assert isinstance(arrays.gt_fg_mask.data, np.ndarray)
    assert arrays.gt_bbox_size.shape == ()
    # the numpy form is still shape-checked
    with pytest.raises(ValueError, match='gt_keypoints'):
        arrays.gt_keypoints = np.zeros((3, 3), np.float32)
    back = arrays.to_tensor()
    for name in FIELDS:
        value = getattr(back, name)
        value = getattr(value, 'data', value)
        expected = getattr(sample, name)
        expected = getattr(expected, 'data', expected)
        assert isinstance(value, torch.Tensor)
        torch.testing.assert_close(value, expected)
