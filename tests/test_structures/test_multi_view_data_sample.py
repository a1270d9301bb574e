# Copyright (c) mmcorr contributors. All rights reserved.
"""MultiViewDataSample: views in order plus cross-view fields."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mmcorr.structures import MultiViewDataSample, ViewDataSample


def make_view(index=0, height=4, width=5):
    view = ViewDataSample(metainfo=dict(img_path=f'{index}.png',
                                        img_shape=(height, width)))
    view.gt_keypoints = torch.full((3, 2), float(index))
    view.gt_fg_mask = PixelData(data=torch.ones(1, height, width))
    view.gt_sem_seg = PixelData(
        data=torch.full((1, height, width), index, dtype=torch.long))
    return view


def make_sample(num_views=2):
    sample = MultiViewDataSample(
        views=[make_view(i) for i in range(num_views)],
        metainfo=dict(category='cat', pair_index=3))
    sample.gt_keypoint_valid = torch.tensor([True, False, True])
    sample.pred_grid_s2t = torch.rand(6, 7, 2) * 2 - 1
    return sample


FIELDS = {
    'gt_keypoint_valid': lambda: torch.tensor([True, False, True]),
    'pred_grid_t2s': lambda: torch.rand(20, 20, 2) * 2 - 1,
    'pred_grid_s2t': lambda: torch.rand(18, 16, 2) * 2 - 1,
}


@pytest.mark.parametrize('name', sorted(FIELDS))
def test_field_set_get_delete(name):
    sample = MultiViewDataSample()
    assert name not in sample
    value = FIELDS[name]()
    setattr(sample, name, value)
    assert name in sample and name in sample.keys()
    assert getattr(sample, name) is value
    assert name in sample.to_dict()
    assert name in sample.to('cpu')
    delattr(sample, name)
    assert name not in sample
    with pytest.raises(AttributeError):
        getattr(sample, name)


BAD_SHAPES = {
    'gt_keypoint_valid': torch.ones(3, 1, dtype=torch.bool),
    'pred_grid_t2s': torch.zeros(20, 20),
    'pred_grid_s2t': torch.zeros(1, 20, 20, 2),
}


@pytest.mark.parametrize('name', sorted(BAD_SHAPES))
def test_bad_shapes_name_the_field(name):
    with pytest.raises(ValueError, match=name):
        setattr(MultiViewDataSample(), name, BAD_SHAPES[name])


def test_wrong_types_and_dtypes():
    sample = MultiViewDataSample()
    with pytest.raises(TypeError, match='pred_grid_s2t'):
        sample.pred_grid_s2t = [[[0., 0.]]]
    with pytest.raises(ValueError, match='gt_keypoint_valid.*torch.bool'):
        sample.gt_keypoint_valid = torch.ones(3)
    with pytest.raises(ValueError, match='gt_keypoint_valid.*torch.bool'):
        sample.gt_keypoint_valid = np.ones(3)


# -------------------------------------------------------------- the views
@pytest.mark.parametrize('value,error,match', [
    (make_view(), TypeError, 'list of ViewDataSample.*ViewDataSample'),
    ('ab', TypeError, 'list of ViewDataSample.*str'),
    (None, TypeError, 'list of ViewDataSample'),
    ([make_view(), torch.zeros(1)], TypeError, r"\['Tensor'\]"),
    ([dict(img_path='a.png')], TypeError, r"\['dict'\]"),
    ([], ValueError, 'at least one view'),
    ((), ValueError, 'empty group'),
])
def test_views_setter_errors(value, error, match):
    sample = MultiViewDataSample()
    with pytest.raises(error, match=match):
        sample.views = value
    assert 'views' not in sample and len(sample) == 0
    with pytest.raises(error, match=match):
        MultiViewDataSample(views=value)


def test_refused_views_keep_the_old_ones():
    views = [make_view(0), make_view(1)]
    sample = MultiViewDataSample(views=views)
    with pytest.raises(ValueError, match='empty group'):
        sample.views = []
    assert sample.views == views and sample.keys() == ['views']
    repr(sample)


def test_views_are_a_list_in_order():
    views = [make_view(i) for i in range(3)]
    sample = MultiViewDataSample(views=tuple(views))
    assert isinstance(sample.views, list) and sample.views == views
    assert len(sample) == 3
    assert sample[0] is views[0] and sample[-1] is views[2]
    assert list(sample) == views
    assert [v.img_path for v in sample] == ['0.png', '1.png', '2.png']
    with pytest.raises(IndexError):
        sample[3]
    assert 'views' in sample and sample.keys() == ['views']
    del sample.views
    assert len(sample) == 0 and 'views' not in sample


def test_source_and_target_for_pairs_only():
    pair = make_sample(2)
    assert pair.source is pair[0] and pair.target is pair[1]
    pair.source.gt_bbox = torch.tensor([0., 0., 2., 2.])
    assert 'gt_bbox' in pair.views[0] and 'gt_bbox' not in pair.views[1]
    for count in (1, 3):
        group = make_sample(count)
        for name in ('source', 'target'):
            with pytest.raises(AttributeError,
                               match=f'{name}.*pairs.*{count} views'):
                getattr(group, name)
    with pytest.raises(AttributeError, match='0 views'):
        MultiViewDataSample().source


def test_metainfo_is_shared_per_view_metainfo_on_views():
    sample = make_sample()
    assert sample.metainfo == dict(category='cat', pair_index=3)
    assert sample.category == 'cat'
    assert sample.target.img_path == '1.png'
    assert 'img_path' not in sample.metainfo


# ----------------------------------------------------- tensor-like methods
def _assert_views_converted(original, converted, kind):
    assert isinstance(converted, MultiViewDataSample)
    assert len(converted) == len(original)
    assert converted.metainfo == original.metainfo
    for before, after in zip(original, converted):
        assert isinstance(after, ViewDataSample)
        assert after is not before
        assert after.metainfo == before.metainfo
        assert isinstance(after.gt_keypoints, kind)
        assert isinstance(after.gt_fg_mask.data, kind)
        assert isinstance(after.gt_sem_seg.data, kind)
        np.testing.assert_array_equal(np.asarray(after.gt_keypoints),
                                      before.gt_keypoints.numpy())


@pytest.mark.parametrize('method', ['cpu', 'clone', 'detach', 'to'])
def test_tensor_methods_recurse_into_views(method):
    sample = make_sample(3)
    converted = sample.to('cpu') if method == 'to' else \
        getattr(sample, method)()
    _assert_views_converted(sample, converted, torch.Tensor)
    assert converted.gt_keypoint_valid.tolist() == [True, False, True]
    # the views are new objects: changing one leaves the original alone
    converted[0].gt_bbox = torch.zeros(4)
    assert 'gt_bbox' not in sample[0]


def test_to_dtype_reaches_the_views():
    sample = make_sample()
    # (a bool gt_keypoint_valid cast to float would be refused)
    del sample.gt_keypoint_valid
    doubled = sample.to(torch.float64)
    assert doubled[1].gt_keypoints.dtype == torch.float64
    assert doubled.pred_grid_s2t.dtype == torch.float64
    assert sample[1].gt_keypoints.dtype == torch.float32


def test_detach_reaches_the_views():
    sample = make_sample()
    sample[0].gt_keypoints = torch.zeros(3, 2, requires_grad=True)
    assert not sample.detach()[0].gt_keypoints.requires_grad
    assert sample[0].gt_keypoints.requires_grad


def test_numpy_and_to_tensor_recurse_into_views():
    sample = make_sample()
    arrays = sample.numpy()
    _assert_views_converted(sample, arrays, np.ndarray)
    assert arrays.gt_keypoint_valid.dtype == bool
    assert isinstance(arrays.pred_grid_s2t, np.ndarray)
    back = arrays.to_tensor()
    _assert_views_converted(sample, back, torch.Tensor)
    assert back.gt_keypoint_valid.dtype == torch.bool
    torch.testing.assert_close(back.pred_grid_s2t, sample.pred_grid_s2t)


def test_to_dict_is_plain_dicts_all_the_way_down():
    sample = make_sample()
    out = sample.to_dict()
    assert out['category'] == 'cat' and out['pair_index'] == 3
    assert out['gt_keypoint_valid'].tolist() == [True, False, True]
    assert isinstance(out['views'], list) and len(out['views']) == 2
    for i, view in enumerate(out['views']):
        assert isinstance(view, dict)
        assert view['img_path'] == f'{i}.png'
        assert view['gt_keypoints'].shape == (3, 2)
        assert isinstance(view['gt_fg_mask'], dict)
        assert view['gt_sem_seg']['data'].unique().tolist() == [i]
    assert MultiViewDataSample().to_dict() == {}


def test_mmseg_fields_per_view():
    """Per-view masks keep mmseg's meaning (its metrics read them)."""
    sample = make_sample()
    for view in sample:
        view.pred_sem_seg = PixelData(data=view.gt_sem_seg.data.clone())
    assert torch.equal(sample.target.pred_sem_seg.data,
                       torch.ones(1, 4, 5, dtype=torch.long))
    assert 'pred_sem_seg' in sample.cpu()[1]
    assert 'pred_sem_seg' in sample.to_dict()['views'][0]
