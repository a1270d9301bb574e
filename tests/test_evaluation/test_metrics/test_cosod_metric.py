# Copyright (c) mmcorr contributors. All rights reserved.
"""CoSODMetric: every view of MultiViewDataSamples scored as CoSODScorer
scores the same maps; GT from `seg_map_path` (original resolution) or
`gt_sem_seg`; results split across ranks merge; written maps re-score to
the same numbers with the folder evaluation."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import PixelData

from mmcorr.evaluation import (CoSODMetric, CoSODScorer,
                               evaluate_cosod_folders)
from mmcorr.registry import METRICS
from mmcorr.structures import MultiViewDataSample, ViewDataSample

KEYS = {'Smeasure', 'maxEm', 'meanEm', 'adpEm', 'maxFm', 'meanFm', 'adpFm',
        'MAE'}


@pytest.fixture
def groups(tmp_path):
    """Two groups (2 and 3 images) of GT files at their own sizes and
    predictions at a 16 x 16 network size."""
    rng = np.random.default_rng(0)
    samples, pairs = [], []
    for group, count in (('cat', 2), ('dog', 3)):
        views = []
        for i in range(count):
            h, w = rng.integers(20, 30, 2)
            gt = np.zeros((h, w), np.uint8)
            gt[5:15, 4:17] = 255
            path = tmp_path / 'gt' / group / f'{group}{i}.png'
            path.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(path), gt)
            pred = torch.rand(1, 16, 16, generator=torch.Generator()
                              .manual_seed(i + 10 * count))
            view = ViewDataSample(metainfo=dict(
                img_path=f'/data/img/{group}/{group}{i}.jpg',
                seg_map_path=str(path), img_shape=(16, 16)))
            view.pred_saliency = PixelData(data=pred)
            views.append(view)
            pairs.append((pred[0].numpy(), gt))
        samples.append(MultiViewDataSample(views=views))
    return samples, pairs, tmp_path


def test_scores_every_view_like_the_scorer(groups):
    samples, pairs, _ = groups
    metric = METRICS.build(dict(type='CoSODMetric'))
    assert isinstance(metric, CoSODMetric)
    metric.process({}, [s.to_dict() for s in samples])
    assert len(metric.results) == 5
    scores = metric.compute_metrics(metric.results)
    scorer = CoSODScorer()
    for pred, gt in pairs:
        scorer.add(pred, gt)
    assert set(scores) == KEYS
    assert scores == scorer.results()


def test_results_split_across_ranks_merge(groups):
    """Two ranks with different numbers of groups, gathered as mmengine's
    collect_results does (interleaved, gaps dropped, cut to the dataset
    size): the same scores as one process."""
    from itertools import chain, zip_longest
    samples, _, _ = groups
    whole, part_a, part_b = CoSODMetric(), CoSODMetric(), CoSODMetric()
    whole.process({}, samples)
    part_a.process({}, samples[:1])
    part_b.process({}, samples[1:])
    assert len(part_a.results) != len(part_b.results)
    gathered = [r for r in chain.from_iterable(
        zip_longest(part_a.results, part_b.results)) if r is not None]
    gathered = gathered[:len(whole.results)]
    assert len(gathered) == len(whole.results)
    merged = whole.compute_metrics(gathered)
    single = whole.compute_metrics(whole.results)
    for key in KEYS:
        assert abs(merged[key] - single[key]) < 1e-12, key


def test_through_the_mmengine_evaluator_keys_are_unprefixed(groups):
    samples, _, _ = groups
    evaluator = Evaluator(dict(type='CoSODMetric', resolution='icnet224'))
    evaluator.process(samples, {})
    scores = evaluator.evaluate(5)
    assert set(scores) == KEYS
    prefixed = Evaluator(dict(type='CoSODMetric', prefix='cosod'))
    prefixed.process(samples, {})
    assert set(prefixed.evaluate(5)) == {f'cosod/{k}' for k in KEYS}


def test_written_maps_rescore_to_the_same_numbers(groups):
    samples, pairs, root = groups
    out = str(root / 'maps')
    metric = CoSODMetric(output_dir=out)
    metric.process({}, samples)
    written = cv2.imread(osp.join(out, 'dog', 'dog2.png'),
                         cv2.IMREAD_UNCHANGED)
    assert written.dtype == np.uint8 and written.shape == pairs[4][1].shape
    scorer, meta = evaluate_cosod_folders(str(root / 'gt'), out)
    assert meta == dict(num_images=5, num_groups=2, resolution='gt')
    assert scorer.results() == metric.compute_metrics(metric.results)


def test_gt_sem_seg_without_a_path():
    gt = torch.zeros(1, 12, 14, dtype=torch.long)
    gt[:, 3:9, 2:10] = 1
    view = ViewDataSample(metainfo=dict(img_shape=(12, 14)))
    view.gt_sem_seg = PixelData(data=gt)
    view.pred_saliency = PixelData(data=gt.float())
    metric = CoSODMetric()
    metric.process({}, [MultiViewDataSample(views=[view])])
    scores = metric.compute_metrics(metric.results)
    assert scores['MAE'] == 0 and scores['Smeasure'] == pytest.approx(1)


def test_missing_fields_and_bad_options(groups):
    samples, _, _ = groups
    view = ViewDataSample(metainfo=dict(img_shape=(4, 4)))
    view.pred_saliency = PixelData(data=torch.zeros(1, 4, 4))
    with pytest.raises(KeyError, match='seg_map_path'):
        CoSODMetric().process({}, [MultiViewDataSample(views=[view])])
    bare = ViewDataSample(metainfo=dict(seg_map_path='x.png'))
    with pytest.raises(KeyError, match='pred_saliency'):
        CoSODMetric().process({}, [MultiViewDataSample(views=[bare])])
    with pytest.raises(KeyError, match='views'):
        CoSODMetric().process({}, [dict(pred_saliency=None)])
    with pytest.raises(ValueError, match='resolution'):
        CoSODMetric(resolution='original')
    view.gt_sem_seg = PixelData(data=torch.full((1, 4, 4), 255))
    with pytest.raises(ValueError, match='0/1'):
        CoSODMetric().process({}, [MultiViewDataSample(views=[view])])
