# Copyright (c) mmcorr contributors. All rights reserved.
"""DAVISJFMetric on its own: clips with known answers (a perfect clip, a
clip that loses its object), GT from arrays or PNGs, a prediction at
another size, the written results, clear errors."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mmcorr.evaluation import read_id_png, write_id_png
from mmcorr.evaluation.metrics import DAVISJFMetric
from mmcorr.structures import MultiViewDataSample, ViewDataSample


def square(shape=(24, 32), box=(4, 6, 12, 14)):
    ids = np.zeros(shape, np.uint8)
    y0, x0, y1, x1 = box
    ids[y0:y1, x0:x1] = 1
    return ids


def clip(video, gts, preds, gt_files=None):
    views = []
    for t, (gt, pred) in enumerate(zip(gts, preds)):
        meta = dict(img_path=f'{video}/{t:05d}.jpg')
        view = ViewDataSample(metainfo=meta)
        if gt_files is not None:
            view.set_metainfo(dict(seg_map_path=gt_files[t]))
        else:
            view.gt_sem_seg = PixelData(data=torch.from_numpy(
                gt.astype(np.int64))[None])
        view.pred_sem_seg = PixelData(data=torch.from_numpy(
            pred.astype(np.int64))[None])
        views.append(view)
    sample = MultiViewDataSample(views=views)
    sample.set_metainfo(dict(video=video))
    return sample


def test_a_perfect_clip_and_a_lost_object(tmp_path):
    gt = [square()] * 5
    metric = DAVISJFMetric(output_dir=str(tmp_path / 'results'))
    lost = [gt[0]] + [np.zeros_like(gt[0])] * 4
    metric.process(None, [clip('perfect', gt, gt), clip('lost', gt, lost)])
    per_clip = [DAVISJFMetric().compute_metrics([r])
                for r in metric.results]
    assert per_clip[0]['J&F-Mean'] == pytest.approx(1.0)
    assert per_clip[1]['J-Mean'] == pytest.approx(0.0)
    both = metric.compute_metrics(metric.results)
    assert both['J-Mean'] == pytest.approx(0.5)  # mean over the 2 objects
    written = read_id_png(str(tmp_path / 'results' / 'lost' / '00003.png'))
    np.testing.assert_array_equal(written, lost[3])


def test_gt_files_and_a_smaller_prediction(tmp_path):
    gt = [square()] * 4
    files = []
    for t, ids in enumerate(gt):
        files.append(str(tmp_path / f'{t:05d}.png'))
        write_id_png(files[-1], ids)
    half = [ids[::2, ::2] for ids in gt]  # nearest-resized back exactly
    metric = DAVISJFMetric()
    metric.process(None, [clip('files', gt, half, gt_files=files)])
    assert metric.compute_metrics(metric.results)['J&F-Mean'] == \
        pytest.approx(1.0)


def test_errors_name_the_frame():
    gt = [square()] * 3
    sample = clip('broken', gt, gt)
    del sample.views[1].pred_sem_seg
    with pytest.raises(KeyError, match='frame 1 of broken'):
        DAVISJFMetric().process(None, [sample])
    with pytest.raises(KeyError, match='no `views`'):
        DAVISJFMetric().process(None, [MultiViewDataSample()])
