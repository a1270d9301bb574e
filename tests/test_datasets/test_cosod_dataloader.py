# Copyright (c) mmcorr contributors. All rights reserved.
"""group_views_collate and a co-saliency dataloader built as a Runner does."""
import os.path as osp

import numpy as np
import pytest
import torch
from cosod_fixtures import GROUPS, num_images, write_release
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from mmcorr.datasets import COCO9213Dataset, GroupBatchSampler
from mmcorr.datasets.collate import group_views_collate
from mmcorr.datasets.transforms import PackMultiViewInputs
from mmcorr.models.data_preprocessors import MultiViewDataPreprocessor
from mmcorr.structures import MultiViewDataSample, UnevenViews

PIPELINE = [
    dict(type='ForEachView', transforms=[
        dict(type='LoadCheckedImage'),
        dict(type='LoadBinaryMask'),
        dict(type='LoadSaliencyMap'),
        dict(type='RecordedResize', scale=(32, 32), keep_ratio=False),
        dict(type='RecordedRandomFlip', prob=0.5),
    ]),
    dict(type='PackMultiViewInputs', extra_inputs=('sism', )),
]


@pytest.fixture(scope='module')
def release(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('cosod')
    root, sisms = str(tmp / 'COCO9213'), str(tmp / 'EGNet-SISMs')
    write_release(root, 'COCO9213', sism_root=sisms)
    return root, sisms


def _loader(release, **overrides):
    root, sisms = release
    cfg = dict(
        dataset=dict(type='COCO9213Dataset', data_root=root,
                     sism_root=sisms, pipeline=PIPELINE),
        sampler=dict(type='DefaultSampler', shuffle=True),
        batch_sampler=dict(type='GroupBatchSampler'),
        collate_fn=dict(type='mmcorr.group_views_collate'),
        batch_size=3,
        num_workers=0)
    cfg.update(overrides)
    with DefaultScope.overwrite_default_scope('mmcorr'):
        return Runner.build_dataloader(cfg, seed=0)


def test_end_to_end_training_batches(release):
    loader = _loader(release)
    assert isinstance(loader.batch_sampler, GroupBatchSampler)
    preprocessor = MultiViewDataPreprocessor()
    seen, count = [], 0
    for batch in loader:
        count += 1
        out = preprocessor(batch, training=True)
        (sample, ) = out['data_samples']
        n = len(sample)
        assert n in (2, 3)
        assert out['inputs'].shape == (1, n, 3, 32, 32)
        assert out['extra_inputs']['sism'].shape == (1, n, 1, 32, 32)
        sism = out['extra_inputs']['sism']
        assert sism.dtype == torch.float32
        assert 0 <= sism.min() and sism.max() <= 1
        group = sample.metainfo['group']
        assert sample.metainfo['group_id'] == sorted(GROUPS).index(group)
        for view in sample.views:
            assert tuple(view.gt_sem_seg.data.shape) == (1, 32, 32)
            assert set(view.gt_sem_seg.data.unique().tolist()) == {0, 1}
            assert osp.basename(osp.dirname(view.img_path)) == group
            seen.append(view.sample_idx)
    assert len(seen) == len(set(seen)) == num_images()  # no singleton here
    assert len(loader) == count == 3  # groups of 3, 2, 3 in chunks of 3


def test_whole_groups_for_test(release):
    loader = _loader(release,
                     sampler=dict(type='DefaultSampler', shuffle=False),
                     batch_sampler=dict(type='GroupBatchSampler',
                                        whole_group=True))
    groups = [b['data_samples'][0].metainfo['group'] for b in loader]
    assert groups == sorted(GROUPS)
    sizes = [len(b['data_samples'][0]) for b in loader]
    assert sizes == [len(GROUPS[g]) for g in sorted(GROUPS)]


def _packed(group, sizes, index=0, sism=True):
    views = [dict(img=np.full((h, w, 3), index + k, np.uint8),
                  sism=np.full((h, w), 0.5, np.float32),
                  map_fields=['sism'], img_path=f'{group}/{index + k}.png')
             for k, (h, w) in enumerate(sizes)]
    pack = PackMultiViewInputs(extra_inputs=('sism', ) if sism else ())
    return pack(dict(views=views, category=group, category_id=7,
                     sample_idx=index))


def test_collate_matches_pseudo_collate_of_one_group_sample():
    items = [_packed('cat', [(8, 8)], i) for i in range(3)]
    merged = group_views_collate(items)
    reference = pseudo_collate([_packed('cat', [(8, 8)] * 3)])
    assert set(merged) == set(reference)
    assert isinstance(merged['inputs'], list) and len(merged['inputs']) == 1
    assert merged['inputs'][0].shape == reference['inputs'][0].shape
    assert torch.equal(merged['inputs'][0][:, 0, 0, 0],
                       torch.tensor([0, 1, 2], dtype=torch.uint8))
    assert list(merged['extra_inputs']) == ['sism']
    assert isinstance(merged['extra_inputs']['sism'], list)
    assert merged['extra_inputs']['sism'][0].shape == \
        reference['extra_inputs']['sism'][0].shape == (3, 1, 8, 8)
    (sample, ) = merged['data_samples']
    assert isinstance(sample, MultiViewDataSample) and len(sample) == 3
    assert sample.metainfo['group'] == 'cat'
    assert sample.metainfo['group_id'] == 7
    assert 'sample_idx' not in sample.metainfo
    assert [v.sample_idx for v in sample.views] == [0, 1, 2]
    assert [v.img_path for v in sample.views] == ['cat/0.png', 'cat/1.png',
                                                  'cat/2.png']
    out = MultiViewDataPreprocessor()(merged)
    assert out['inputs'].shape == (1, 3, 3, 8, 8)


def test_collate_views_of_different_sizes():
    merged = group_views_collate([_packed('cat', [(8, 8)], 0),
                                  _packed('cat', [(6, 10)], 1)])
    assert isinstance(merged['inputs'][0], UnevenViews)
    assert isinstance(merged['extra_inputs']['sism'][0], UnevenViews)
    out = MultiViewDataPreprocessor()(merged)
    assert out['inputs'].shape == (1, 2, 3, 8, 10)
    assert out['extra_inputs']['sism'].shape == (1, 2, 1, 8, 10)


def test_collate_refusals():
    with pytest.raises(ValueError, match='empty batch'):
        group_views_collate([])
    with pytest.raises(ValueError, match="'cat'.*'dog'"):
        group_views_collate([_packed('cat', [(8, 8)], 0),
                             _packed('dog', [(8, 8)], 1)])
    anonymous = _packed('cat', [(8, 8)])
    anonymous['data_samples'] = MultiViewDataSample(
        views=anonymous['data_samples'].views)
    with pytest.raises(ValueError, match='names no group'):
        group_views_collate([anonymous])
    with pytest.raises(ValueError, match='keys'):
        group_views_collate([_packed('cat', [(8, 8)], 0),
                             _packed('cat', [(8, 8)], 1, sism=False)])
    keyed = _packed('cat', [(8, 8)])
    keyed['data_samples'].gt_keypoint_valid = torch.ones(2, dtype=bool)
    with pytest.raises(ValueError, match='cross-view'):
        group_views_collate([keyed])


def test_plain_dataset_without_loader(release):
    root, sisms = release
    dataset = COCO9213Dataset(data_root=root, sism_root=sisms,
                              pipeline=PIPELINE)
    batch = group_views_collate([dataset[i] for i in (5, 6, 7)])
    assert batch['data_samples'][0].metainfo['group'] == 'car'
    assert batch['inputs'][0].shape == (3, 3, 32, 32)
