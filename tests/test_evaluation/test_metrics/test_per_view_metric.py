# Copyright (c) mmcorr contributors. All rights reserved.
"""PerViewMetric: mmseg's IoUMetric over every view equals IoUMetric over
the views as separate samples; predictions written by MultiViewModel are
cropped to each view's image so they align with its ground truth."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.evaluation import IoUMetric

from mmcorr.evaluation import PerViewMetric
from mmcorr.models import MultiViewModel
from mmcorr.structures import MultiViewDataSample, ViewDataSample

META = dict(classes=('background', 'object'))


def _view(gen, size=(6, 7)):
    view = ViewDataSample(metainfo=dict(img_shape=size, ori_shape=size))
    view.gt_sem_seg = PixelData(
        data=torch.randint(0, 2, (1, *size), generator=gen))
    view.pred_sem_seg = PixelData(
        data=torch.randint(0, 2, (1, *size), generator=gen))
    return view


def test_per_view_iou_equals_iou_on_the_views():
    gen = torch.Generator().manual_seed(0)
    samples = [MultiViewDataSample(views=[_view(gen) for _ in range(n)])
               for n in (2, 3)]
    wrapped = PerViewMetric(metric=dict(type='IoUMetric'))
    wrapped.dataset_meta = META
    wrapped.process({}, samples)
    plain = IoUMetric()
    plain.dataset_meta = META
    plain.process({}, [v.to_dict() for s in samples for v in s.views])
    assert len(wrapped.results) == 5
    assert wrapped.compute_metrics(wrapped.results) == \
        plain.compute_metrics(plain.results)


def test_per_view_metric_needs_views():
    metric = PerViewMetric(metric=dict(type='IoUMetric'))
    with pytest.raises(KeyError, match='views'):
        metric.process({}, [dict(pred_sem_seg=None)])


def test_written_maps_are_cropped_to_each_view():
    views = [ViewDataSample(metainfo=dict(img_shape=(5, 6),
                                          batch_input_shape=(8, 8)))
             for _ in range(2)]
    sample = MultiViewDataSample(views=views)
    logits = torch.arange(2 * 2 * 64.).view(1, 2, 2, 8, 8)
    MultiViewModel.write_predictions([sample], view_fields=dict(
        seg_logits=logits, pred_sem_seg=logits[:, :, :1].long()))
    assert sample.views[1].seg_logits.data.shape == (2, 5, 6)
    assert torch.equal(sample.views[1].seg_logits.data,
                       logits[0, 1, :, :5, :6])
    with pytest.raises(ValueError, match='3 view predictions'):
        MultiViewModel.write_predictions(
            [sample], view_fields=dict(pred_sem_seg=logits.repeat(1, 2, 1, 1,
                                                                  1)[:, :3]))
