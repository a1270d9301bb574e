# Copyright (c) mmcorr contributors. All rights reserved.
"""ForEachView and PackMultiViewInputs on the multi-view results layout."""
import cv2
import numpy as np
import pytest
import torch
from mmcv.transforms import TransformBroadcaster
from mmengine.dataset import pseudo_collate

from mmcorr.datasets.transforms import (ForEachView, LoadCheckedImage,
                                        PackMultiViewInputs,
                                        keypoint_validity, views_from_sides)
from mmcorr.models.data_preprocessors import MultiViewDataPreprocessor
from mmcorr.registry import TRANSFORMS
from mmcorr.structures import (MultiViewDataSample, UnevenViews,
                               ViewDataSample)

SIZES = ((30, 40), (36, 50), (24, 24))


def _image(h, w, seed):
    return np.random.RandomState(seed).randint(0, 256, (h, w, 3), np.uint8)


@pytest.fixture
def view_files(tmp_path):
    """Three PNG images of different sizes and a mask for each."""
    files = []
    for i, (h, w) in enumerate(SIZES):
        img = _image(h, w, i)
        mask = np.zeros((h, w), np.uint8)
        mask[h // 4:h // 2, w // 3:] = 200
        mask[0, 0] = 50
        paths = dict(img_path=str(tmp_path / f'img{i}.png'),
                     seg_map_path=str(tmp_path / f'mask{i}.png'))
        cv2.imwrite(paths['img_path'], img)
        cv2.imwrite(paths['seg_map_path'], mask)
        files.append(dict(paths=paths, img=img, mask=mask))
    return files


def _results(files, num_views=2, **shared):
    keypoints = [np.array([[3., 4.], [-1, -1], [7., 1.]], np.float32),
                 np.array([[5., 6.], [2., 2.], [np.nan, 1.]], np.float32),
                 np.array([[1., 1.], [2., 2.], [3., 3.]], np.float32)]
    results = dict(
        views=[dict(files[i]['paths'], keypoints=keypoints[i])
               for i in range(num_views)],
        category='cat', pair_index=7, sample_idx=3)
    results.update(shared)
    return results


def _views(*sizes, **keys):
    return [dict(img=np.full((h, w, 3), i, np.uint8), **keys)
            for i, (h, w) in enumerate(sizes)]


# -------------------------------------------------------------- ForEachView
def test_for_each_view_transforms_every_view(view_files):
    transform = ForEachView([
        dict(type='LoadCheckedImage'),
        dict(type='RecordedResize', scale=(20, 16)),
    ])
    assert isinstance(transform, TransformBroadcaster)
    results = transform(_results(view_files, num_views=3))
    assert len(results['views']) == 3
    for view, (h, w), files in zip(results['views'], SIZES, view_files):
        assert view['img'].shape == (16, 20, 3)
        assert view['ori_shape'] == (h, w) and view['img_shape'] == (16, 20)
        np.testing.assert_array_equal(
            view['img'], cv2.resize(files['img'], (20, 16),
                                    interpolation=cv2.INTER_LINEAR))
        # each view records its own mapping (its own original size)
        np.testing.assert_allclose(
            view['homography_matrix'][:2, :2],
            np.diag([20 / w, 16 / h]))
    assert results['category'] == 'cat'


def _flips(transform, seeds=40, num_views=3):
    """Per seed: the list of per-view (flip, direction)."""
    outcomes = []
    for seed in range(seeds):
        np.random.seed(seed)
        results = transform(dict(views=_views(*[(4, 5)] * num_views)))
        outcomes.append([(v['flip'], v['flip_direction'])
                         for v in results['views']])
    return outcomes


@pytest.mark.parametrize('flip', ['RandomFlip', 'RecordedRandomFlip'])
def test_shared_random_params_flip_all_views_alike(flip):
    shared = ForEachView([dict(type=flip, prob=0.5)])
    outcomes = _flips(shared)
    assert all(len(set(o)) == 1 for o in outcomes)
    # still random from sample to sample
    assert {o[0][0] for o in outcomes} == {True, False}
    per_view = ForEachView([dict(type=flip, prob=0.5)],
                           share_random_params=False)
    outcomes = _flips(per_view)
    assert sum(len(set(o)) > 1 for o in outcomes) > 10


def test_shared_random_direction_and_scale():
    shared = ForEachView([
        dict(type='RecordedRandomFlip', prob=0.9,
             direction=['horizontal', 'vertical', 'diagonal']),
        dict(type='RandomResize', scale=(20, 20), ratio_range=(0.5, 2.0),
             resize_type='RecordedResize'),
    ])
    shapes = set()
    for seed in range(20):
        np.random.seed(seed)
        views = shared(dict(views=_views((10, 10), (10, 10))))['views']
        assert views[0]['flip_direction'] == views[1]['flip_direction']
        assert views[0]['img'].shape == views[1]['img'].shape
        np.testing.assert_array_equal(views[0]['homography_matrix'],
                                      views[1]['homography_matrix'])
        shapes.add(views[0]['img'].shape)
    assert len(shapes) > 5


def test_shared_keys_are_visible_but_not_copied():
    seen = []

    def read_shared(results):
        seen.append((results['category'], results['img'].shape))
        results['label'] = results['category'].upper()
        return results

    def overwrite_shared(results):
        results['pair_index'] = results['pair_index'] + 100
        return results

    results = ForEachView([read_shared, overwrite_shared])(
        dict(views=_views((4, 5), (6, 7)), category='cat', pair_index=1,
             sample_idx=0))
    assert seen == [('cat', (4, 5, 3)), ('cat', (6, 7, 3))]
    for view in results['views']:
        assert view['label'] == 'CAT'
        # unchanged shared keys stay at the top only
        assert 'category' not in view and 'sample_idx' not in view
        # a shared key a transform changed is kept in the view
        assert view['pair_index'] == 101
    assert results['category'] == 'cat' and results['pair_index'] == 1
    assert sorted(results) == ['category', 'pair_index', 'sample_idx',
                               'views']


def test_view_keys_shadow_shared_keys():
    results = ForEachView([lambda r: r])(
        dict(views=[dict(img_path='a.png', scale=2), dict(img_path='b.png')],
             scale=1))
    assert results['views'][0] == dict(img_path='a.png', scale=2)
    assert results['views'][1] == dict(img_path='b.png')


@pytest.mark.parametrize('results,error,match', [
    (dict(img=np.zeros((4, 4, 3))), KeyError, r'`views` list.*\[.img.\]'),
    (dict(views=dict(img=1)), KeyError, '`views` list'),
    (dict(views=[]), ValueError, 'no views'),
])
def test_for_each_view_errors(results, error, match):
    with pytest.raises(error, match='ForEachView.*' + match):
        ForEachView([dict(type='LoadCheckedImage')])(results)


def test_a_dropped_view_is_an_error(tmp_path, view_files):
    transform = ForEachView([dict(type='LoadCheckedImage',
                                  ignore_empty=True)])
    missing = str(tmp_path / 'nope.png')
    results = dict(views=[view_files[0]['paths'], dict(img_path=missing)])
    with pytest.raises(ValueError, match='dropped the view.*nope.png'):
        transform(results)


def test_for_each_view_is_registered_and_printable():
    transform = TRANSFORMS.build(dict(
        type='ForEachView', transforms=[dict(type='RecordedPad', padding=1)],
        share_random_params=False))
    assert isinstance(transform, ForEachView)
    assert 'RecordedPad' in repr(transform)
    assert 'share_random_params=False' in repr(transform)


# ------------------------------------------------------------ the packing
def test_pack_stacks_views_in_order():
    views = _views((4, 5), (4, 5), (4, 5))
    views[1]['img'][0, 0] = (10, 20, 30)
    packed = PackMultiViewInputs()(dict(views=views))
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs.shape == (3, 3, 4, 5) and inputs.dtype == torch.uint8
    for i, view in enumerate(views):
        assert torch.equal(inputs[i],
                           torch.from_numpy(view['img']).permute(2, 0, 1))
    assert inputs[1, :, 0, 0].tolist() == [10, 20, 30]  # BGR kept
    assert isinstance(sample, MultiViewDataSample) and len(sample) == 3
    assert all(isinstance(v, ViewDataSample) for v in sample)
    assert sample.keys() == ['views']  # no keypoints: no validity


def test_pack_keeps_float_and_gray_images():
    views = [dict(img=np.random.rand(4, 5).astype(np.float32)),
             dict(img=np.random.rand(4, 5).astype(np.float32))]
    inputs = PackMultiViewInputs()(dict(views=views))['inputs']
    assert inputs.shape == (2, 1, 4, 5) and inputs.dtype == torch.float32
    assert torch.equal(inputs[1, 0], torch.from_numpy(views[1]['img']))


def test_pack_holds_views_of_different_sizes():
    views = _views((4, 5), (6, 3))
    inputs = PackMultiViewInputs()(dict(views=views))['inputs']
    assert isinstance(inputs, UnevenViews) and len(inputs) == 2
    first, second = inputs
    assert first.shape == (3, 4, 5) and second.shape == (3, 6, 3)
    assert second.unique().tolist() == [1]


def test_uneven_views_survive_mmengine_collate():
    """pseudo_collate transposes lists; UnevenViews reach the preprocessor
    whole, so sample b's view n stays at [b, n]."""
    pack = PackMultiViewInputs()
    first = pack(dict(views=_views((4, 5), (6, 3), (2, 2))))
    second = pack(dict(views=_views((3, 3), (5, 5), (4, 4))))
    for view, value in zip(second['inputs'], (10, 11, 12)):
        view.fill_(value)
    data = MultiViewDataPreprocessor(mean=None, std=None, bgr_to_rgb=False)(
        pseudo_collate([first, second]))
    assert data['inputs'].shape == (2, 3, 3, 6, 5)
    assert data['inputs'][1, :, 0, 0, 0].tolist() == [10, 11, 12]
    assert data['inputs'][0, 1, 0, 5, 2] == 1


def test_pack_refuses_extra_inputs_that_did_not_follow_the_image():
    from mmcorr.datasets.transforms import RecordedRandomFlip
    views = _views((4, 6))
    views[0]['sal'] = np.tile(np.arange(6, dtype=np.float32), (4, 1))
    flipped = ForEachView([RecordedRandomFlip(prob=1.0)])(dict(views=views))
    with pytest.raises(ValueError, match='map_fields'):
        PackMultiViewInputs(extra_inputs=('sal', ))(flipped)
    views = _views((4, 6))
    views[0]['sal'] = np.tile(np.arange(6, dtype=np.float32), (4, 1))
    views[0]['map_fields'] = ['sal']
    flipped = ForEachView([RecordedRandomFlip(prob=1.0)])(dict(views=views))
    packed = PackMultiViewInputs(extra_inputs=('sal', ))(flipped)
    assert packed['extra_inputs']['sal'][0, 0, 0].tolist() == [5, 4, 3, 2,
                                                               1, 0]


def test_no_identity_assumed_after_an_unrecorded_flip():
    from mmcv.transforms import RandomFlip
    views = _views((4, 6))
    views[0]['ori_shape'] = (4, 6)
    flipped = ForEachView([RandomFlip(prob=1.0)])(dict(views=views))
    sample = PackMultiViewInputs()(flipped)['data_samples']
    assert sample.views[0].get('homography_matrix') is None


def test_recording_after_an_unrecorded_size_change_is_refused():
    from mmcv.transforms import Resize

    from mmcorr.datasets.transforms import RecordedPad
    views = _views((4, 6))
    views[0]['ori_shape'] = (4, 6)
    with pytest.raises(ValueError, match='without recording'):
        ForEachView([Resize(scale=(3, 2)), RecordedPad(1)])(dict(views=views))


def test_pack_field_mapping():
    seg = np.arange(20, dtype=np.uint8).reshape(4, 5)
    fg = (seg % 2).astype(np.uint8)
    views = _views((4, 5), (4, 5))
    views[0].update(gt_seg_map=seg, gt_fg_mask=fg,
                    keypoints=[[1, 2], [3, 4]], bbox=[1, 2, 3, 4],
                    bbox_size=28)
    views[1].update(keypoints=np.array([[5., 6.], [7., 8.]]),
                    gt_fg_mask=np.full((4, 5), 0.25, np.float32))
    sample = PackMultiViewInputs()(dict(views=views))['data_samples']
    src, tgt = sample.source, sample.target
    assert src.gt_sem_seg.data.shape == (1, 4, 5)
    assert src.gt_sem_seg.data.dtype == torch.int64
    assert torch.equal(src.gt_sem_seg.data[0], torch.from_numpy(seg).long())
    assert src.gt_fg_mask.data.dtype == torch.float32
    assert torch.equal(src.gt_fg_mask.data[0], torch.from_numpy(fg).float())
    assert tgt.gt_fg_mask.data.unique().tolist() == [0.25]
    assert src.gt_keypoints.dtype == tgt.gt_keypoints.dtype == torch.float32
    assert src.gt_keypoints.tolist() == [[1, 2], [3, 4]]
    assert tgt.gt_keypoints.tolist() == [[5, 6], [7, 8]]
    assert src.gt_bbox.tolist() == [1, 2, 3, 4]
    assert src.gt_bbox_size.shape == () and float(src.gt_bbox_size) == 28
    for name in ('gt_sem_seg', 'gt_bbox', 'gt_bbox_size'):
        assert name not in tgt
    assert sample.gt_keypoint_valid.tolist() == [True, True]


def test_keypoint_valid_default_and_given():
    views = _views((4, 5), (4, 5), (4, 5))
    for view, points in zip(views, (
            [[1, 1], [-1, -1], [2, 2], [3, 3], [4, 4]],
            [[1, 1], [1, 1], [np.nan, 2], [3, -1], [4, 4]],
            [[1, 1], [1, 1], [2, 2], [3, 3], [np.inf, 4]])):
        view['keypoints'] = np.array(points, np.float32)
    pack = PackMultiViewInputs()
    sample = pack(dict(views=views))['data_samples']
    assert sample.gt_keypoint_valid.dtype == torch.bool
    assert sample.gt_keypoint_valid.tolist() == [True, False, False, False,
                                                 False]
    given = np.array([0, 1, 1, 0, 1])
    sample = pack(dict(views=views, keypoint_valid=given))['data_samples']
    assert sample.gt_keypoint_valid.tolist() == [False, True, True, False,
                                                 True]
    with pytest.raises(ValueError, match='keypoint_valid has 2 flags for 5'):
        pack(dict(views=views, keypoint_valid=[True, True]))


def test_keypoint_validity_helper():
    a = np.array([[0., 0.], [-1., 3.], [2., 2.], [5., 5.]])
    b = np.array([[1., 1.], [1., 1.], [np.nan, 0.], [-1., -1.]])
    assert keypoint_validity(a).tolist() == [True, False, True, True]
    assert keypoint_validity(a, b).tolist() == [True, False, False, False]
    assert keypoint_validity(a, b).dtype == bool
    # -1 is padding only as a whole value, not -0.5 or -1.5
    assert keypoint_validity([[-0.5, -1.5]]).tolist() == [True]


def test_views_from_sides():
    info = dict(src_img_path='a.png', tgt_img_path='b.png',
                src_keypoints=1, tgt_keypoints=2, src_bbox_size=3.,
                category='cat')
    out = views_from_sides(info, ('img_path', 'keypoints', 'bbox',
                                  'bbox_size'))
    assert out is info
    assert out == dict(category='cat', views=[
        dict(img_path='a.png', keypoints=1, bbox_size=3.),
        dict(img_path='b.png', keypoints=2)])
    three = views_from_sides(dict(a_x=1, b_x=2, c_x=3), ('x', ),
                             sides=('a', 'b', 'c'))
    assert three == dict(views=[dict(x=1), dict(x=2), dict(x=3)])


@pytest.mark.parametrize('key', ['gt_seg_map', 'gt_fg_mask'])
def test_pack_refuses_masks_of_another_size(key):
    views = _views((4, 5), (4, 5))
    views[1][key] = np.zeros((4, 6), np.uint8)
    with pytest.raises(ValueError, match=rf'view 1: {key} is \(4, 6\), '
                       r'its image is \(4, 5\)'):
        PackMultiViewInputs()(dict(views=views))


@pytest.mark.parametrize('points,match', [
    ((np.zeros((3, 2)), np.zeros((2, 2))), r'one shape.*\(2, 2\), \(3, 2\)'),
    ((np.zeros((3, 2)), None), 'every view needs keypoints'),
    ((np.zeros((2, 3)), np.zeros((2, 3))), r'view 0: keypoints must be \(K, '
     r'2\).*\(2, 3\)'),
    ((np.zeros((2, 2, 1)), np.zeros((2, 2, 1))), 'view 0: keypoints must'),
])
def test_pack_refuses_bad_keypoints(points, match):
    views = _views((4, 5), (4, 5))
    for view, p in zip(views, points):
        view['keypoints'] = p
    with pytest.raises(ValueError, match=match):
        PackMultiViewInputs()(dict(views=views))


def test_pack_empty_keypoints():
    views = _views((4, 5), (4, 5))
    for view in views:
        view['keypoints'] = np.zeros((0, 2), np.float32)
    sample = PackMultiViewInputs()(dict(views=views,
                                        keypoint_valid=np.zeros(0, bool)))
    sample = sample['data_samples']
    assert sample.source.gt_keypoints.shape == (0, 2)
    assert sample.gt_keypoint_valid.shape == (0, )


def test_pack_extra_inputs():
    views = _views((4, 5), (4, 5))
    for i, view in enumerate(views):
        view['saliency'] = np.full((4, 5), i / 2, np.float32)
        view['depth'] = np.full((4, 5, 2), i, np.uint8)
    packed = PackMultiViewInputs(extra_inputs=('saliency', 'depth'))(
        dict(views=views))
    extra = packed['extra_inputs']
    assert sorted(extra) == ['depth', 'saliency']
    assert extra['saliency'].shape == (2, 1, 4, 5)
    assert extra['saliency'][:, 0, 0, 0].tolist() == [0, 0.5]
    assert extra['depth'].shape == (2, 2, 4, 5)
    assert extra['depth'].dtype == torch.uint8
    assert 'extra_inputs' not in PackMultiViewInputs()(dict(views=views))
    # views of different sizes: a list, like the images
    views = _views((4, 5), (6, 3))
    for view in views:
        view['saliency'] = np.zeros(view['img'].shape[:2], np.float32)
    extra = PackMultiViewInputs(extra_inputs=['saliency'])(
        dict(views=views))['extra_inputs']
    assert [t.shape for t in extra['saliency']] == [(1, 4, 5), (1, 6, 3)]


def test_pack_extra_input_errors():
    views = _views((4, 5), (4, 5))
    views[0]['saliency'] = np.zeros((4, 5))
    pack = PackMultiViewInputs(extra_inputs=('saliency', ))
    with pytest.raises(KeyError, match="view 1 has no 'saliency'"):
        pack(dict(views=views))
    views[1]['saliency'] = np.zeros((5, 4))
    with pytest.raises(ValueError,
                       match=r"view 1: the extra input 'saliency' \(5, 4\)"):
        pack(dict(views=views))


def test_pack_metainfo():
    views = _views((4, 5), (4, 5))
    views[0].update(img_path='a.png', ori_shape=(4, 5), flip=False,
                    unknown='x')
    views[1].update(img_path='b.png', ori_shape=(8, 10),
                    scale_factor=(0.5, 0.5), pad_margins=(1, 1, 1, 1))
    sample = PackMultiViewInputs()(dict(
        views=views, category='cat', category_id=7, pair_index=2,
        sample_idx=5, other='y'))['data_samples']
    assert sample.metainfo == dict(category='cat', category_id=7,
                                   pair_index=2, sample_idx=5)
    src, tgt = sample.views
    assert src.img_path == 'a.png' and src.flip is False
    assert 'unknown' not in src.metainfo
    assert src.img_shape == tgt.img_shape == (4, 5)
    assert tgt.scale_factor == (0.5, 0.5)
    assert tgt.pad_margins == (1, 1, 1, 1)
    custom = PackMultiViewInputs(meta_keys=('other', ),
                                 view_meta_keys=('unknown', ))(
        dict(views=views, category='cat', other='y'))['data_samples']
    assert custom.metainfo == dict(other='y')
    assert set(custom.source.metainfo) == {'unknown', 'img_shape',
                                           'homography_matrix'}


def test_pack_homography_defaults_to_identity_only_at_file_size():
    views = _views((4, 5), (4, 5), (4, 5), (4, 5))
    views[0]['ori_shape'] = (4, 5)        # loaded, untouched
    views[1]['ori_shape'] = (8, 10)       # resized without a record
    recorded = np.diag([0.5, 0.5, 1.])
    views[2].update(ori_shape=(8, 10), homography_matrix=recorded)
    # views[3]: no ori_shape (an image given as an array): its own size
    sample = PackMultiViewInputs()(dict(views=views))['data_samples']
    np.testing.assert_array_equal(sample[0].homography_matrix, np.eye(3))
    assert 'homography_matrix' not in sample[1].metainfo
    np.testing.assert_array_equal(sample[2].homography_matrix, recorded)
    np.testing.assert_array_equal(sample[3].homography_matrix, np.eye(3))


def test_pack_errors_without_views():
    with pytest.raises(KeyError, match='PackMultiViewInputs.*`views`'):
        PackMultiViewInputs()(dict(img=np.zeros((2, 2, 3))))
    with pytest.raises(ValueError, match='PackMultiViewInputs.*no views'):
        PackMultiViewInputs()(dict(views=[]))


# ---------------------------------------------------------- whole pipeline
PIPELINE = [
    dict(type='ForEachView', transforms=[
        dict(type='LoadCheckedImage'),
        dict(type='LoadForegroundMask', threshold=100),
        dict(type='RecordedResize', scale=(24, 20)),
        dict(type='RecordedPad', padding=2),
    ]),
    dict(type='PackMultiViewInputs'),
]


def _packed(files, num_views=2, **shared):
    results = _results(files, num_views, **shared)
    for cfg in PIPELINE:
        results = TRANSFORMS.build(cfg)(results)
    return results


def test_pipeline_from_files(view_files):
    packed = _packed(view_files, bbox=None)
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs.shape == (2, 3, 24, 28) and inputs.dtype == torch.uint8
    for i in range(2):
        expected = cv2.copyMakeBorder(
            cv2.resize(view_files[i]['img'], (24, 20)), 2, 2, 2, 2,
            cv2.BORDER_CONSTANT, value=0)
        assert torch.equal(inputs[i],
                           torch.from_numpy(expected).permute(2, 0, 1))
        mask = cv2.resize((view_files[i]['mask'] > 100).astype(np.uint8),
                          (24, 20), interpolation=cv2.INTER_NEAREST)
        mask = np.pad(mask, 2)
        assert torch.equal(sample[i].gt_fg_mask.data[0],
                           torch.from_numpy(mask).float())
    src, tgt = sample.views
    assert src.ori_shape == (30, 40) and tgt.ori_shape == (36, 50)
    assert src.img_shape == tgt.img_shape == (24, 28)
    assert src.pad_margins == (2, 2, 2, 2)
    assert src.img_path.endswith('img0.png')
    assert src.seg_map_path.endswith('mask0.png')
    # keypoints stay in original pixels; padding and NaN rows are invalid
    assert src.gt_keypoints[0].tolist() == [3., 4.]
    assert sample.gt_keypoint_valid.tolist() == [True, False, False]
    assert sample.metainfo == dict(category='cat', pair_index=7,
                                   sample_idx=3)
    # the recorded mapping: pixel centres, then the 2 px shift
    np.testing.assert_allclose(
        tgt.homography_matrix,
        [[24 / 50, 0, 0.5 * (24 / 50 - 1) + 2],
         [0, 20 / 36, 0.5 * (20 / 36 - 1) + 2], [0, 0, 1]])


def test_packed_views_feed_the_data_preprocessor(view_files):
    same = _packed(view_files)
    # a sample whose views differ in size (no resize): a list of views
    results = _results(view_files)
    results = ForEachView([LoadCheckedImage()])(results)
    ragged = PackMultiViewInputs()(results)
    assert isinstance(ragged['inputs'], UnevenViews)
    batch = pseudo_collate([same, ragged])
    out = MultiViewDataPreprocessor(size_divisor=8)(batch)
    inputs = out['inputs']
    assert inputs.shape == (2, 2, 3, 40, 56) and inputs.dtype == torch.float32
    raw = same['inputs'].float()  # BGR, 0..255
    rgb = raw.flip(1)
    mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)
    torch.testing.assert_close(inputs[0, :, :, :24, :28], (rgb - mean) / std,
                               rtol=1e-5, atol=1e-5)
    assert (inputs[0, :, :, 24:] == 0).all()
    target = ragged['inputs'][1].float().flip(0)
    torch.testing.assert_close(inputs[1, 1, :, :36, :50],
                               (target - mean[0]) / std[0], rtol=1e-5,
                               atol=1e-5)
    for sample in out['data_samples']:
        assert isinstance(sample, MultiViewDataSample)
        for view in sample:
            assert view.batch_input_shape == (40, 56)
            assert view.pad_shape == (40, 56)


def test_for_each_view_from_an_mmseg_scoped_config():
    """Built as `mmcorr.ForEachView` under mmseg's default scope, plain
    inner names still resolve (mmcorr first, then mmseg and mmcv)."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmseg'):
        transform = TRANSFORMS.build(dict(
            type='mmcorr.ForEachView',
            transforms=[dict(type='RecordedPad', padding=1),
                        dict(type='PhotoMetricDistortion')]))
    views = _views((4, 5), (4, 5))
    out = transform(dict(views=views))
    assert [v['img'].shape for v in out['views']] == [(6, 7, 3)] * 2


def test_for_each_view_errors_name_the_view():
    views = [dict(img_path='/nonexistent/a.png'),
             dict(img_path='/nonexistent/b.png')]
    with pytest.raises(FileNotFoundError) as info:
        ForEachView([LoadCheckedImage()])(dict(views=views))
    assert "view 0: '/nonexistent/a.png'" in ''.join(info.value.__notes__)
