# Copyright (c) mmcorr contributors. All rights reserved.
import numpy as np
import pytest
import torch

from mmcorr.evaluation import BoundaryIoUMetric, mask_boundary


def brute_boundary(mask, width):
    """In the mask, and within `width` (chessboard) of outside or the edge."""
    height, wide = mask.shape
    out = np.zeros_like(mask)
    for y in range(height):
        for x in range(wide):
            if not mask[y, x]:
                continue
            for dy in range(-width, width + 1):
                for dx in range(-width, width + 1):
                    yy, xx = y + dy, x + dx
                    if not (0 <= yy < height and 0 <= xx < wide) or \
                            not mask[yy, xx]:
                        out[y, x] = True
    return out


@pytest.mark.parametrize('width', [1, 2, 3])
def test_mask_boundary_matches_brute_force(width):
    rng = np.random.default_rng(width)
    mask = rng.random((13, 17)) > 0.35
    np.testing.assert_array_equal(mask_boundary(mask, width),
                                  brute_boundary(mask, width))


def sample(pred, label):
    return dict(pred_sem_seg=dict(data=torch.from_numpy(pred)[None]),
                gt_sem_seg=dict(data=torch.from_numpy(label)[None]))


def run_metric(pairs, **kwargs):
    metric = BoundaryIoUMetric(**kwargs)
    metric.dataset_meta = dict(classes=('bg', 'square'))
    metric.process({}, [sample(p, g) for p, g in pairs])
    return metric.compute_metrics(metric.results)


def test_boundary_iou_closed_form():
    label = np.zeros((40, 40), np.int64)
    label[10:30, 10:30] = 1
    assert run_metric([(label, label)])['mBIoU'] == 100.0
    pred = np.zeros_like(label)
    pred[10:30, 11:31] = 1  # shifted right by one pixel
    width = max(1, round(0.02 * np.hypot(40, 40)))  # 1 px
    inter = union = 0
    for cls in (0, 1):
        gb = brute_boundary(label == cls, width)
        pb = brute_boundary(pred == cls, width)
        inter, union = (gb & pb).sum(), (gb | pb).sum()
        expected = inter / union * 100
        metric = BoundaryIoUMetric()
        counts = metric.image_counts(pred, label, 2)
        assert counts[0][cls] / counts[1][cls] * 100 == pytest.approx(expected)
    assert run_metric([(pred, label)])['mBIoU'] < 100


def test_ignored_pixels_count_nowhere():
    label = np.zeros((20, 20), np.int64)
    label[5:15, 5:15] = 1
    pred = label.copy()
    pred[0:3] = 1  # wrong, but only where the label is ignored
    label[0:3] = 255
    assert run_metric([(pred, label)])['mBIoU'] == 100.0


def test_size_mismatch_is_an_error():
    with pytest.raises(ValueError, match='differ in size'):
        run_metric([(np.zeros((4, 4), np.int64), np.zeros((4, 5), np.int64))])



def mask_iou(pred, label, cls):
    """IoU of the class masks in percent (NaN when the class is absent)."""
    union = np.sum((label == cls) | (pred == cls))
    inter = np.sum((label == cls) & (pred == cls))
    return inter / union * 100 if union else np.nan


@pytest.mark.parametrize('shape', [(1, 9), (7, 1), (1, 1)])
def test_one_pixel_high_or_wide_images(shape):
    """A squeeze used to drop the size-1 spatial axis (and crash)."""
    rng = np.random.default_rng(sum(shape))
    label = rng.integers(0, 2, shape)
    pred = rng.integers(0, 2, shape)
    label.flat[0], pred.flat[0] = 1, 0  # both classes occur
    metric = BoundaryIoUMetric()
    metric.dataset_meta = dict(classes=('bg', 'square'))
    metric.process({}, [sample(pred, label)])
    (inter, union), = metric.results
    width = max(1, round(0.02 * np.hypot(*shape)))
    for cls in (0, 1):
        gb = brute_boundary(label == cls, width)
        pb = brute_boundary(pred == cls, width)
        assert (inter[cls], union[cls]) == ((gb & pb).sum(), (gb | pb).sum())
    # every pixel touches the image edge: the bands are the whole masks
    expected = np.nanmean([mask_iou(pred, label, cls) for cls in (0, 1)])
    assert metric.compute_metrics(metric.results)['mBIoU'] == pytest.approx(
        round(expected, 2))
