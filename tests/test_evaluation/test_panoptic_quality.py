# Copyright (c) mmcorr contributors. All rights reserved.
"""PQ / SQ / RQ: against panopticapi's pq_compute, by hand, bad input, the
metric and the folder tool."""
import json
import math

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from PIL import Image

from mmcorr.evaluation import (PanopticFormatError, PanopticQualityMetric,
                               evaluate_panoptic_folders, id2rgb,
                               pq_single_image, pq_summary)
from mmcorr.evaluation.metrics import panoptic_segments
from mmcorr.structures import MultiViewDataSample, ViewDataSample

CATEGORIES = [dict(id=1, name='sky', isthing=0),
              dict(id=2, name='road', isthing=0),
              dict(id=7, name='car', isthing=1),
              dict(id=9, name='person', isthing=1)]


def random_panoptic(rng, shape=(24, 30), crowd=True):
    """A random segment map and its segments_info (some VOID, a crowd)."""
    ids = np.zeros(shape, np.int64)
    segments = []
    for k in range(int(rng.integers(3, 8))):
        y, x = rng.integers(0, shape[0] - 4), rng.integers(0, shape[1] - 4)
        h, w = rng.integers(3, 12), rng.integers(3, 14)
        seg_id = int(rng.integers(1, 2**24 - 1))
        ids[y:y + h, x:x + w] = seg_id
        cat = CATEGORIES[int(rng.integers(len(CATEGORIES)))]['id']
        segments.append(dict(id=seg_id, category_id=cat,
                             iscrowd=int(crowd and k == 0 and cat > 2)))
    present = set(np.unique(ids).tolist())
    segments = [s for s in segments if s['id'] in present]
    for s in segments:
        s['area'] = int((ids == s['id']).sum())
    return ids, segments


def perturbed(rng, ids, segments):
    """A prediction: the GT shifted, some ids merged or re-labelled."""
    pred = np.roll(ids, (int(rng.integers(-2, 3)), int(rng.integers(-2, 3))),
                   axis=(0, 1))
    pred[rng.random(pred.shape) < 0.05] = 0
    out = []
    for s in segments:
        if (pred == s['id']).any():
            cat = s['category_id'] if rng.random() < 0.8 else \
                CATEGORIES[int(rng.integers(len(CATEGORIES)))]['id']
            out.append(dict(id=s['id'], category_id=cat))
    return pred, out


def write_set(root, name, items, categories=None):
    folder = root / name
    folder.mkdir()
    anns = []
    for image_id, (ids, segments) in enumerate(items):
        file_name = f'{image_id:03d}.png'
        Image.fromarray(id2rgb(ids)).save(folder / file_name)
        anns.append(dict(image_id=image_id, file_name=file_name,
                         segments_info=segments))
    data = dict(annotations=anns, images=[
        dict(id=i, file_name=f'{i:03d}.jpg') for i in range(len(items))])
    if categories is not None:
        data['categories'] = categories
    with open(root / f'{name}.json', 'w') as f:
        json.dump(data, f)
    return str(root / f'{name}.json'), str(folder)


def random_folders(tmp_path, seed=0, images=6):
    rng = np.random.default_rng(seed)
    gts = [random_panoptic(rng) for _ in range(images)]
    preds = [perturbed(rng, *gt) for gt in gts]
    gt = write_set(tmp_path, 'gt', gts, CATEGORIES)
    pred = write_set(tmp_path, 'pred', preds)
    return gt, pred


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_equals_panopticapi(tmp_path, seed):
    # the oracle (requirements/tests_no_deps.txt): fail, never skip
    from panopticapi import evaluation
    (gt_json, gt_dir), (pred_json, pred_dir) = random_folders(tmp_path, seed)
    ours = evaluate_panoptic_folders(gt_json, gt_dir, pred_json, pred_dir)
    theirs = evaluation.pq_compute(gt_json, pred_json, gt_dir, pred_dir)
    for name in ('All', 'Things', 'Stuff'):
        for key in ('pq', 'sq', 'rq', 'n'):
            assert ours[name][key] == pytest.approx(theirs[name][key],
                                                    abs=1e-12)
    assert ours['All']['n'] > 0


def test_by_hand():
    gt = np.array([[1, 1, 1, 1, 2, 2]])
    pred = np.array([[5, 5, 5, 0, 6, 6]])
    cats = {1: dict(isthing=1), 2: dict(isthing=0)}
    stat = pq_single_image(
        gt, [dict(id=1, category_id=1, area=4, iscrowd=0),
             dict(id=2, category_id=2, area=2, iscrowd=0)],
        pred, [dict(id=5, category_id=1), dict(id=6, category_id=1)], cats)
    # segment 5 matches 1 (IoU 3/4); 6 is a FP of class 1; 2 a FN of class 2
    summary = pq_summary(stat, cats)
    assert stat.tp[1] == 1 and stat.fp[1] == 1 and stat.fn[2] == 1
    assert summary['Things']['pq'] == pytest.approx(0.75 / 1.5)
    assert summary['Stuff']['pq'] == 0 and summary['All']['n'] == 2
    assert math.isclose(summary['All']['sq'], 0.375)


@pytest.mark.parametrize('pred_segments,match', [
    ([dict(id=5, category_id=1)], 'presented in PNG and not presented in'),
    ([dict(id=5, category_id=1), dict(id=6, category_id=1),
      dict(id=8, category_id=1)], 'presented in JSON and not presented'),
    ([dict(id=5, category_id=4), dict(id=6, category_id=1)],
     'unknown category_id 4'),
    ([dict(id=5, category_id=1), dict(id=5, category_id=1),
      dict(id=6, category_id=1)], 'listed twice'),
])
def test_format_errors(pred_segments, match):
    gt = np.array([[1, 1, 0]])
    pred = np.array([[5, 6, 0]])
    with pytest.raises(PanopticFormatError, match=match):
        pq_single_image(gt, [dict(id=1, category_id=1, area=2, iscrowd=0)],
                        pred, pred_segments, {1: dict(isthing=1)})


def test_folder_tool(tmp_path, run_tool):
    (gt_json, gt_dir), (pred_json, pred_dir) = random_folders(tmp_path)
    out = tmp_path / 'metrics.json'
    proc = run_tool(['tools/analysis_tools/eval_panoptic.py', '--gt-json',
                     gt_json, '--gt-folder', gt_dir, '--pred-json',
                     pred_json, '--pred-folder', pred_dir, '--out',
                     str(out)])
    assert 'Things' in proc.stdout
    result = json.loads(out.read_text())
    assert set(result) >= {'All', 'Things', 'Stuff', 'per_class'}
    assert set(result['All']) == {'pq', 'sq', 'rq', 'n'}
    # a prediction missing for an image: exit 2, named
    data = json.loads(open(pred_json).read())
    data['annotations'] = data['annotations'][1:]
    with open(pred_json, 'w') as f:
        json.dump(data, f)
    proc = run_tool(['tools/analysis_tools/eval_panoptic.py', '--gt-json',
                     gt_json, '--gt-folder', gt_dir, '--pred-json',
                     pred_json, '--pred-folder', pred_dir], check=False)
    assert proc.returncode == 2
    assert 'no prediction for the image with id: 0' in proc.stderr


@pytest.mark.parametrize('content,match', [
    (b'\x89PNG\r\n\x1a\n\x00', 'is not a JSON file'),
    (b'[1, 2]', 'holds a list, not the COCO panoptic object'),
    (b'{"images": []}', "has no 'annotations'"),
])
def test_folder_tool_names_a_bad_prediction_json(tmp_path, run_tool, content,
                                                 match):
    """A PNG, a JSON list or an object without annotations given as
    --pred-json: exit 2 and a message naming the file."""
    (gt_json, gt_dir), (_, pred_dir) = random_folders(tmp_path)
    bad = tmp_path / 'bad.json'
    bad.write_bytes(content)
    proc = run_tool(['tools/analysis_tools/eval_panoptic.py', '--gt-json',
                     gt_json, '--gt-folder', gt_dir, '--pred-json',
                     str(bad), '--pred-folder', pred_dir], check=False)
    assert proc.returncode == 2
    assert f'the prediction JSON {bad}' in proc.stderr and match in \
        proc.stderr and 'Traceback' not in proc.stderr


def toy_view(instance_ids, pred_ids, labels):
    view = ViewDataSample(metainfo=dict(img_path='x.png'))
    view.gt_instance_ids = PixelData(data=torch.as_tensor(instance_ids)[None])
    view.pred_instance_ids = PixelData(data=torch.as_tensor(pred_ids)[None])
    view.pred_sem_seg = PixelData(
        data=torch.as_tensor((pred_ids > 0).astype(np.int64))[None])
    view.pred_instance_labels = torch.as_tensor(labels)
    return MultiViewDataSample(views=[view]).to_dict()


def test_metric_perfect_and_missed():
    ids = np.zeros((8, 8), np.int64)
    ids[1:4, 1:4] = 1
    ids[5:8, 4:8] = 2
    metric = PanopticQualityMetric()
    metric.dataset_meta = dict(stuff_classes=('background', ),
                               thing_classes=('object', ))
    metric.process({}, [toy_view(ids, ids, [1, 1])])
    assert metric.compute_metrics(metric.results)['PQ'] == 100
    missed = np.where(ids == 2, 0, ids)
    metric.results = []
    metric.process({}, [toy_view(ids, missed, [1])])
    scores = metric.compute_metrics(metric.results)
    assert scores['RQ_th'] == pytest.approx(100 / 1.5)


def test_panoptic_segments_min_area_and_majority_class():
    inst = np.array([[1, 1, 0, 2]])
    sem = np.array([[3, 2, 0, 0]])
    ids, segments = panoptic_segments(inst, sem, None, num_stuff=2)
    # instance 1: majority thing class among (3, 2) ties -> 2; instance 2
    # lies on stuff only -> VOID
    assert [s['category_id'] for s in segments] == [0, 2]
    assert ids.tolist() == [[2, 2, 1, 0]]


def test_mask_ap_perfect_and_ranked():
    ids = np.zeros((16, 16), np.int64)
    ids[1:6, 1:6] = 1
    ids[8:15, 8:15] = 2
    metric = PanopticQualityMetric(mask_ap=True)
    metric.dataset_meta = dict(stuff_classes=('background', ),
                               thing_classes=('object', ))
    sample = toy_view(ids, ids, [1, 1])
    sample['views'][0]['pred_instance_scores'] = torch.tensor([0.9, 0.8])
    metric.process({}, [sample])
    scores = metric.compute_metrics(metric.results)
    assert scores['mask_AP'] == pytest.approx(100)
    # a confident false positive ranked first lowers AP, not PQ's TP count
    wrong = ids.copy()
    wrong[1:6, 1:6] = 0
    wrong[10:12, 1:4] = 1  # instance 1 now lies on background
    metric.results = []
    sample = toy_view(ids, wrong, [1, 1])
    sample['views'][0]['pred_instance_scores'] = torch.tensor([0.99, 0.5])
    metric.process({}, [sample])
    scores = metric.compute_metrics(metric.results)
    assert 0 < scores['mask_AP'] < 100
