# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS' training-point transforms: the instance-id PNG loader, the query
points, the official ignored-region rules, re-drawn crops and packing."""
import cv2
import numpy as np
import pytest
import torch

from mmcorr.datasets.transforms import (LoadInstanceIds, PackMultiViewInputs,
                                        RepeatUntilInstances,
                                        SampleQueryPoints, read_instance_png)


def test_instance_png_errors(tmp_path):
    path = str(tmp_path / 'x_im.png')
    cv2.imwrite(path, np.full((4, 4), 7, np.uint8))
    assert read_instance_png(path, num_objects=7).max() == 7
    with pytest.raises(ValueError, match='need a 16-bit PNG'):
        read_instance_png(path, num_objects=300)
    cv2.imwrite(path, np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match='one channel'):
        read_instance_png(path)
    (tmp_path / 'bad_im.png').write_bytes(b'not a png')
    with pytest.raises(ValueError, match='corrupt'):
        read_instance_png(str(tmp_path / 'bad_im.png'))
    with pytest.raises(FileNotFoundError, match='missing_im.png'):
        LoadInstanceIds()(dict(ins_map_path=str(tmp_path /
                                                'missing_im.png')))


def test_sample_query_points_on_objects():
    ids = np.zeros((10, 12), np.int32)
    ids[1:4, 1:5] = 1
    ids[6:9, 6:11] = 2
    np.random.seed(0)
    out = SampleQueryPoints(num_points=20)(dict(gt_instance_ids=ids))
    points, qids = out['query_points'], out['query_ids']
    assert points.shape == (20, 2) and set(qids.tolist()) == {1, 2}
    for (x, y), q in zip(points.astype(int), qids):
        assert ids[y, x] == q  # each point lies on its object
    assert out['gt_seg_map'].tolist() == (ids > 0).astype(int).tolist()
    one = SampleQueryPoints(num_points=5, from_one_object=True)(
        dict(gt_instance_ids=ids))
    assert len(set(one['query_ids'].tolist())) == 1
    empty = SampleQueryPoints(num_points=3)(
        dict(gt_instance_ids=np.zeros((4, 4), np.int32)))
    assert empty['query_ids'].tolist() == [-1, -1, -1]
    with pytest.raises(KeyError, match='LoadInstanceIds'):
        SampleQueryPoints()(dict())


def ignore_scene():
    ids = np.zeros((12, 16), np.int32)
    ids[1:5, 1:6] = 1  # 20 px
    ids[7:11, 9:15] = 2  # 24 px
    ids[1:3, 10:13] = 3  # 6 px: small
    ids[8:11, 1:5] = 4  # 12 px: small, but >= min_ignore_object_area 10
    seg = (ids > 0).astype(np.uint8)
    seg[0:2, 14:16] = 255  # 4 px VOID: too small to be a region
    seg[5:7, 0:4] = 255  # 8 px VOID touching object 4? no: rows 5-6
    seg[6:8, 6:9] = 255  # 6 px VOID, 8-connected to the one above? no
    seg[4:7, 7:9] = 255  # merges with the one above: 10 px component
    return ids, seg


def test_ignored_regions_follow_the_official_rules():
    ids, seg = ignore_scene()
    sampler = SampleQueryPoints(num_points=4, min_object_area=15,
                                sample_ignore_object_prob=0.5,
                                min_ignore_object_area=10)
    regions, count = sampler.ignore_regions(ids, np.array([3, 4]), seg)
    assert count == 2
    assert (regions == 1).sum() == 12 and (regions[ids == 4] == 1).all()
    assert (regions == 2).sum() == 10  # the 10-px VOID component
    assert (regions[seg == 255] == 2).sum() == 10
    assert not regions[ids == 3].any()  # 6 px < 10


def test_points_on_ignored_regions():
    ids, seg = ignore_scene()
    np.random.seed(1)
    sampler = SampleQueryPoints(num_points=200, min_object_area=15,
                                sample_ignore_object_prob=0.3,
                                min_ignore_object_area=10)
    out = sampler(dict(gt_instance_ids=ids, gt_seg_map=seg))
    ignored, qids = out['query_ignored'], out['query_ids']
    regions = out['gt_ignore_regions']
    assert 0.2 < ignored.mean() < 0.4
    for (x, y), q, flag in zip(out['query_points'].astype(int), qids,
                               ignored):
        assert (regions if flag else ids)[y, x] == q
    assert set(qids[~ignored].tolist()) == {1, 2}  # never a small object
    assert set(qids[ignored].tolist()) == {1, 2}  # both regions
    # stage 2: one draw for all the points
    one = SampleQueryPoints(num_points=6, from_one_object=True,
                            sample_ignore_object_prob=1.0,
                            min_object_area=15)(
                                dict(gt_instance_ids=ids, gt_seg_map=seg))
    assert one['query_ignored'].all() and len(set(one['query_ids'])) == 1
    # off by default: nothing new written
    plain = SampleQueryPoints(num_points=3)(dict(gt_instance_ids=ids))
    assert 'query_ignored' not in plain and 'gt_ignore_regions' not in plain


def test_repeat_until_instances():
    ids = np.zeros((20, 20), np.int32)
    ids[0:4, 0:4] = 1
    crop = [dict(type='mmseg.RandomCrop', crop_size=(5, 5))]
    results = dict(img=np.zeros((20, 20, 3), np.uint8), gt_instance_ids=ids,
                   seg_fields=['gt_instance_ids'])
    np.random.seed(0)
    repeat = RepeatUntilInstances(crop, keep_background_prob=0.0)
    for _ in range(20):
        out = repeat(dict(results))
        assert (out['gt_instance_ids'] > 0).any()
        assert out['img'].shape[:2] == (5, 5)
    assert (results['gt_instance_ids'] == ids).all()  # input untouched
    keep = RepeatUntilInstances(crop, keep_background_prob=1.0)
    empty = sum(not (keep(dict(results))['gt_instance_ids'] > 0).any()
                for _ in range(40))
    assert empty > 20  # every first attempt kept, most crops miss it
    with pytest.raises(KeyError, match='gt_instance_ids'):
        repeat(dict(img=results['img']))
    # nothing to find: one attempt
    calls = []
    once = RepeatUntilInstances([lambda r: calls.append(1) or r])
    once(dict(results, gt_instance_ids=np.zeros_like(ids)))
    assert len(calls) == 1


def test_ignored_region_fields_are_packed():
    ids, seg = ignore_scene()
    out = SampleQueryPoints(num_points=5, min_object_area=15,
                            sample_ignore_object_prob=0.5)(
                                dict(gt_instance_ids=ids, gt_seg_map=seg))
    out['img'] = np.zeros((12, 16, 3), np.uint8)
    view = PackMultiViewInputs()(dict(views=[out]))['data_samples'].views[0]
    assert view.gt_query_ignored.dtype == torch.bool
    assert view.gt_query_ignored.tolist() == out['query_ignored'].tolist()
    assert torch.equal(view.gt_ignore_regions.data[0],
                       torch.from_numpy(out['gt_ignore_regions']).long())
