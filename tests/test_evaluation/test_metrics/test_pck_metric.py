# Copyright (c) mmcorr contributors. All rights reserved.
"""PCKMetric on multi-view samples, against references written here:

- a brute force of each undo protocol (explicit loops over keypoints);
- the OLD computation (grid upsampled with ``F.interpolate`` to the image,
  read at the rounded pixel) that ``undo='recorded'`` must equal with
  identity homographies, and the old ``grid_crop=1, grid_rescale=10/9``
  that ``undo='sfnet_approximate'`` must equal;
- closed forms.
"""
import itertools
import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.evaluator import Evaluator

from mmcorr.evaluation import PCKMetric
from mmcorr.evaluation.metrics.pck_metric import crop_and_rescale_grid
from mmcorr.registry import METRICS
from mmcorr.structures import MultiViewDataSample, ViewDataSample

ALPHAS = (0.05, 0.1, 0.15)
SIDES = ('source', 'target')


# ------------------------------------------------------------ brute force
def _bilinear(grid, u, v):
    """grid[v][u] (lists of [x, y]) at real cell coordinates u, v (clamped
    into the grid)."""
    h, w = len(grid), len(grid[0])
    u, v = min(max(u, 0.0), w - 1.0), min(max(v, 0.0), h - 1.0)
    x0, y0 = min(int(math.floor(u)), w - 1), min(int(math.floor(v)), h - 1)
    x1, y1 = min(x0 + 1, w - 1), min(y0 + 1, h - 1)
    wx, wy = u - x0, v - y0
    out = []
    for c in range(2):
        top = (1 - wx) * grid[y0][x0][c] + wx * grid[y0][x1][c]
        bottom = (1 - wx) * grid[y1][x0][c] + wx * grid[y1][x1][c]
        out.append((1 - wy) * top + wy * bottom)
    return out


def _read(grid, x, y, size, sampling):
    """The grid covering an image of ``size`` (corner-aligned: cell j at
    pixel j (W - 1) / (Wf - 1)) read at pixel (x, y)."""
    h, w = size
    if sampling == 'nearest':
        x = min(max(float(np.round(x)), 0.0), w - 1.0)
        y = min(max(float(np.round(y)), 0.0), h - 1.0)
    gh, gw = len(grid), len(grid[0])
    return _bilinear(grid, x * (gw - 1) / (w - 1), y * (gh - 1) / (h - 1))


def _map(matrix, x, y):
    """(x, y) through a 3 x 3 homography, with the perspective division."""
    m = np.asarray(matrix, np.float64).tolist()
    w = m[2][0] * x + m[2][1] * y + m[2][2]
    return ((m[0][0] * x + m[0][1] * y + m[0][2]) / w,
            (m[1][0] * x + m[1][1] * y + m[1][2]) / w)


def _extent(points):
    if not points:
        return float('nan')
    return max(max(p[c] for p in points) - min(p[c] for p in points)
               for c in range(2))


def brute_force(samples, alphas=ALPHAS, threshold='image',
                threshold_of='source', average='pair', transfer='t2s',
                undo='recorded', point_sampling='nearest', eval_size=None):
    """PCK by explicit loops over keypoints, written from the protocols.

    ``undo='recorded'``: query keypoint -> its view's homography -> read the
    grid over the query's network input -> pixel of the answer's network
    input -> the answer's inverse homography -> original pixels.
    ``undo='sfnet_approximate'``: the grid without its outer cells,
    stretched by ``Wf / (Wf - 2)`` and ``Hf / (Hf - 2)``, read in the
    evaluation frame (original size or ``eval_size``).
    Distances and ``L`` are measured in the evaluation frame.
    """
    per_pair = []  # (num_valid, [correct per alpha])
    for s in samples:
        views = s['views']
        sizes, factors, points = [], [], []
        for view in views:
            h, w = view['ori_shape']
            fx, fy = 1.0, 1.0
            if eval_size is not None:
                fx, fy = eval_size[1] / w, eval_size[0] / h
                h, w = eval_size
            sizes.append((h, w))
            factors.append((fx, fy))
            points.append([[float(p[0]), float(p[1])]
                           for p in views_keypoints(view)])
        valid = s['gt_keypoint_valid'].tolist()
        query, answer = (1, 0) if transfer == 't2s' else (0, 1)
        grid = s[f'pred_grid_{transfer}'].double().tolist()
        if undo == 'sfnet_approximate':
            sx = len(grid[0]) / (len(grid[0]) - 2)
            sy = len(grid) / (len(grid) - 2)
            grid = [[[g[0] * sx, g[1] * sy] for g in row[1:-1]]
                    for row in grid[1:-1]]
        distances = []
        for k in range(len(valid)):
            if not valid[k]:
                continue
            qx, qy = points[query][k]
            if undo == 'recorded':
                q_view, a_view = views[query], views[answer]
                q_in, a_in = input_size(q_view), input_size(a_view)
                ix, iy = _map(q_view['homography_matrix'], qx, qy)
                gx, gy = _read(grid, ix, iy, q_in, point_sampling)
                ax, ay = (gx + 1) * (a_in[1] - 1) / 2, (gy + 1) * (
                    a_in[0] - 1) / 2
                ex, ey = _map(np.linalg.inv(a_view['homography_matrix']),
                              ax, ay)
                ex, ey = ex * factors[answer][0], ey * factors[answer][1]
            else:
                fx, fy = factors[query]
                gx, gy = _read(grid, qx * fx, qy * fy, sizes[query],
                               point_sampling)
                ah, aw = sizes[answer]
                ex, ey = (gx + 1) * (aw - 1) / 2, (gy + 1) * (ah - 1) / 2
            tx, ty = points[answer][k]
            tx, ty = tx * factors[answer][0], ty * factors[answer][1]
            distances.append(math.hypot(ex - tx, ey - ty))
        side = SIDES.index(threshold_of)
        fx, fy = factors[side]
        if threshold == 'image':
            length = max(sizes[side])
        elif threshold == 'keypoints':
            length = _extent([[p[0] * fx, p[1] * fy]
                              for p, v in zip(points[side], valid) if v])
        elif 'gt_bbox' in views[side]:
            x1, y1, x2, y2 = views[side]['gt_bbox'].tolist()
            length = max((x2 - x1) * fx, (y2 - y1) * fy)
        else:
            length = float(views[side]['gt_bbox_size'])
        per_pair.append((len(distances),
                         [sum(d <= a * length for d in distances)
                          for a in alphas]))
    per_pair = [p for p in per_pair if p[0] > 0]
    result = {}
    for i, a in enumerate(alphas):
        if average == 'pair':
            value = 100 * sum(c[i] / n for n, c in per_pair) / len(per_pair)
        else:
            value = 100 * sum(c[i] for _, c in per_pair) / sum(
                n for n, _ in per_pair)
        result[f'PCK@{a:g}'] = value
    return result


def views_keypoints(view):
    return view['gt_keypoints'].tolist()


def input_size(view):
    return tuple(view.get('batch_input_shape') or view['img_shape'])


# ------------------------------------------ the old computations, verbatim
def old_nearest_estimate(grid, points, size, other_size):
    """The OLD PCKMetric reading (identity pipelines): upsample the grid to
    the query image with ``F.interpolate(align_corners=True)``, read it at
    the rounded pixel, map with ``(g + 1) (size - 1) / 2``."""
    h, w = size
    dense = F.interpolate(grid.double().permute(2, 0, 1)[None], size=(h, w),
                          mode='bilinear', align_corners=True)[0]
    out = []
    for x, y in points.tolist():
        px = min(max(int(np.round(x)), 0), w - 1)
        py = min(max(int(np.round(y)), 0), h - 1)
        gx, gy = dense[:, py, px].tolist()
        out.append([(gx + 1) * (other_size[1] - 1) / 2,
                    (gy + 1) * (other_size[0] - 1) / 2])
    return torch.tensor(out, dtype=torch.float64)


def old_sfnet_estimate(grid, points, size, other_size, grid_crop=1,
                       grid_rescale=10 / 9):
    """The OLD ``grid_crop=1, grid_rescale=10/9`` protocol (SFNet's
    eval_pascal.py): drop the outer cells, upsample to the evaluation
    frame, stretch by 10/9, read at the rounded pixel."""
    c = grid_crop
    cropped = grid.double()[c:-c, c:-c] * grid_rescale
    return old_nearest_estimate(cropped, points, size, other_size)


# ---------------------------------------------------------------- helpers
def identity_grid(h, w, dtype=torch.float32):
    """[h, w, 2] linspace(-1, 1) grid, x first."""
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h, dtype=dtype),
                            torch.linspace(-1, 1, w, dtype=dtype),
                            indexing='ij')
    return torch.stack([xs, ys], dim=-1)


def resize_matrix(ori, new):
    """Pixel-centre resize (cv2): x' = (x + 0.5) W' / W - 0.5."""
    sx, sy = new[1] / ori[1], new[0] / ori[0]
    return np.array([[sx, 0, (sx - 1) / 2], [0, sy, (sy - 1) / 2],
                     [0, 0, 1]])


def shift_matrix(dx, dy):
    return np.array([[1., 0, dx], [0, 1, dy], [0, 0, 1]])


def hflip_matrix(width):
    return np.array([[-1., 0, width - 1], [0, 1, 0], [0, 0, 1]])


def make_view(keypoints, ori_shape, img_shape=None, homography=None,
              batch_input_shape=None, pad_margins=None, bbox=None,
              bbox_size=None):
    meta = dict(ori_shape=tuple(ori_shape),
                img_shape=tuple(img_shape or ori_shape),
                homography_matrix=np.eye(3) if homography is None else
                np.asarray(homography, np.float64))
    if batch_input_shape is not None:
        meta['batch_input_shape'] = tuple(batch_input_shape)
    if pad_margins is not None:
        meta['pad_margins'] = tuple(pad_margins)
    view = ViewDataSample(metainfo=meta)
    view.gt_keypoints = torch.tensor(keypoints, dtype=torch.float32).view(
        -1, 2)
    if bbox is not None:
        view.gt_bbox = torch.tensor(bbox, dtype=torch.float32)
    if bbox_size is not None:
        view.gt_bbox_size = torch.tensor(float(bbox_size))
    return view


def make_sample(src_kps, tgt_kps, src_shape, tgt_shape, grid_t2s=None,
                grid_s2t=None, valid=None, category=None, src=None,
                tgt=None):
    """A pair; ``src`` / ``tgt``: more :func:`make_view` arguments."""
    views = [make_view(src_kps, src_shape, **(src or {})),
             make_view(tgt_kps, tgt_shape, **(tgt or {}))]
    sample = MultiViewDataSample(views=views)
    if category is not None:
        sample.set_metainfo(dict(category=category))
    if valid is None:
        valid = [True] * len(src_kps)
    sample.gt_keypoint_valid = torch.tensor(valid, dtype=torch.bool)
    if grid_t2s is not None:
        sample.pred_grid_t2s = grid_t2s
    if grid_s2t is not None:
        sample.pred_grid_s2t = grid_s2t
    return sample


def evaluate(samples, **cfg):
    metric = PCKMetric(alphas=cfg.pop('alphas', ALPHAS), **cfg)
    metric.process({}, [s.to_dict() for s in samples])
    return metric.compute_metrics(metric.results)


def assert_pck(result, expected):
    assert set(result) == set(expected)
    for key, value in expected.items():
        assert result[key] == pytest.approx(value, abs=1e-9), key


# --------------------------------------------------------- closed forms
@pytest.mark.parametrize('sampling', ['nearest', 'bilinear'])
def test_identity_grid_is_perfect(sampling):
    kps = [[0, 0], [99, 99], [10, 57], [42, 3]]
    sample = make_sample(kps, kps, (100, 100), (100, 100),
                         grid_t2s=identity_grid(7, 9))
    assert_pck(evaluate([sample], alphas=(1e-6, ), point_sampling=sampling),
               {'PCK@1e-06': 100})


def test_identity_grid_between_sizes_maps_by_corner_alignment():
    # no resize recorded, inputs at the original sizes: the grid's
    # align_corners=True meaning maps target (61, 81) -> source (31, 41) by
    # x_s = x_t * 40 / 80
    tgt = [[0, 0], [80, 60], [20, 30], [64, 12]]
    src = [[x * 40 / 80, y * 30 / 60] for x, y in tgt]
    sample = make_sample(src, tgt, (31, 41), (61, 81),
                         grid_t2s=identity_grid(5, 6))
    assert_pck(evaluate([sample], alphas=(0.001, )), {'PCK@0.001': 100})


def test_recorded_resizes_map_by_pixel_centres():
    """Both images resized to 64 x 64 (recorded): the identity grid between
    the inputs maps x_s = (x_t + 0.5) W_s / W_t - 0.5, not corners."""
    # inside the inputs' pixel centres (the border clamps outside them)
    tgt = np.array([[1, 1], [79, 59], [20, 30], [64, 12], [40.3, 7.7]])
    recorded = (tgt + 0.5) * [41 / 81, 31 / 61] - 0.5
    corners = tgt * [40 / 80, 30 / 60]
    resized = dict(
        src=dict(img_shape=(64, 64),
                 homography=resize_matrix((31, 41), (64, 64))),
        tgt=dict(img_shape=(64, 64),
                 homography=resize_matrix((61, 81), (64, 64))))
    sample = make_sample(recorded.tolist(), tgt.tolist(), (31, 41),
                         (61, 81), grid_t2s=identity_grid(8, 8), **resized)
    exact = evaluate([sample], alphas=(1e-5, ), point_sampling='bilinear')
    assert exact['PCK@1e-05'] == pytest.approx(100)
    # the old corner mapping is not what the pipeline did
    wrong = make_sample(corners.tolist(), tgt.tolist(), (31, 41), (61, 81),
                        grid_t2s=identity_grid(8, 8), **resized)
    result = PCKMetric(point_sampling='bilinear').pair_result(wrong)
    expected = np.hypot(*(recorded - corners).T)
    assert result['distances'].numpy() == pytest.approx(expected, abs=1e-5)
    assert expected.max() > 0.2
    # nearest: the target's input pixel is rounded, so the estimate is
    # within half an input pixel, in source pixels
    result = PCKMetric().pair_result(sample)
    assert result['distances'].max() <= 0.5 * math.hypot(41 / 64, 31 / 64)
    assert result['distances'].max() > 0.01
    assert_pck(evaluate([sample, wrong], alphas=(0.01, 0.1)),
               brute_force([sample.to_dict(), wrong.to_dict()],
                           alphas=(0.01, 0.1)))


def test_recorded_flip_and_padding():
    """The target is the source mirrored and padded (left 3, top 2, and by
    the batch at the bottom/right): a grid that mirrors back is exact."""
    h, w = 20, 30
    pad_l, pad_t = 3, 2
    in_h, in_w = h + pad_t + 4, w + pad_l + 5  # batch padding at the end
    gh, gw = 6, 8
    # the target input shows the source at (x' - pad_l, y' - pad_t): the
    # target file is mirrored, and its recorded flip undoes that
    grid = torch.zeros(gh, gw, 2, dtype=torch.float64)
    for i in range(gh):
        for j in range(gw):
            xp, yp = j * (in_w - 1) / (gw - 1), i * (in_h - 1) / (gh - 1)
            grid[i, j, 0] = 2 * (xp - pad_l) / (w - 1) - 1
            grid[i, j, 1] = 2 * (yp - pad_t) / (h - 1) - 1
    tgt = [[0, 0], [29, 19], [7.5, 12.25], [20, 3]]
    src = [[w - 1 - x, y] for x, y in tgt]
    matrix = shift_matrix(pad_l, pad_t) @ hflip_matrix(w)
    sample = make_sample(src, tgt, (h, w), (h, w), grid_t2s=grid,
                         tgt=dict(img_shape=(h + pad_t, w + pad_l),
                                  homography=matrix,
                                  batch_input_shape=(in_h, in_w)))
    result = PCKMetric(point_sampling='bilinear').pair_result(sample)
    assert result['distances'].max() < 1e-9
    # without the batch padding the grid would cover another frame
    del sample.target.batch_input_shape
    result = PCKMetric(point_sampling='bilinear').pair_result(sample)
    assert result['distances'].max() > 1
    assert_pck(evaluate([sample], undo='recorded'),
               brute_force([sample.to_dict()]))


@pytest.mark.parametrize('shift,expected', [(7, (0, 100, 100)),
                                            (12, (0, 0, 100)),
                                            (4, (100, 100, 100)),
                                            (20, (0, 0, 0))])
def test_shifted_grid(shift, expected):
    # the source lies `shift` px right of the identity: L = 100
    grid = identity_grid(10, 10)
    grid[..., 0] += 2 * shift / 99
    tgt = [[10, 10], [50, 20], [30, 70]]
    src = tgt
    sample = make_sample(src, tgt, (100, 100), (100, 100), grid_t2s=grid)
    result = evaluate([sample])
    assert_pck(result, dict(zip((f'PCK@{a:g}' for a in ALPHAS), expected)))
    assert_pck(result, brute_force([sample.to_dict()]))


def test_padded_keypoints_are_ignored():
    grid = identity_grid(10, 10)
    grid[..., 1] += 2 * 7 / 99  # 7 px down: only alpha >= 0.1 is correct
    tgt = [[10, 10], [-1, -1], [50, 20], [-1, -1]]
    sample = make_sample(tgt, tgt, (100, 100), (100, 100), grid_t2s=grid,
                         valid=[True, False, True, False])
    assert_pck(evaluate([sample]), {'PCK@0.05': 0, 'PCK@0.1': 100,
                                    'PCK@0.15': 100})
    # without the valid flags the -1 rows are recognised too
    sample_dict = sample.to_dict()
    del sample_dict['gt_keypoint_valid']
    metric = PCKMetric()
    metric.process({}, [sample_dict])
    assert metric.results[0]['num_valid'] == 2
    # and non-finite keypoints never count
    sample.source.gt_keypoints = torch.tensor(
        [[10, 10], [-1, -1], [float('nan'), 20], [-1, -1]])
    assert PCKMetric().pair_result(sample)['num_valid'] == 1


def test_pair_and_keypoint_averages_differ():
    grid = identity_grid(10, 10)
    grid[:, 5:, 0] += 2 * 30 / 99  # right half of the target is 30 px off
    good, bad = [20, 50], [90, 50]
    a = make_sample([good, bad], [good, bad], (100, 100), (100, 100),
                    grid_t2s=grid)  # 1 of 2
    b = make_sample([good] * 4, [good] * 4, (100, 100), (100, 100),
                    grid_t2s=grid)  # 4 of 4
    assert evaluate([a, b])['PCK@0.1'] == pytest.approx(75)
    assert evaluate([a, b], average='keypoint')['PCK@0.1'] == \
        pytest.approx(500 / 6)


def test_thresholds_and_their_image():
    # source 200 x 100 (H, W), target 50 x 400; 9 px error in the source
    grid = identity_grid(6, 6)
    grid[..., 0] += 2 * 9 / 99
    tgt = [[0, 0], [399, 49], [200, 20]]
    src = [[x * 99 / 399, y * 199 / 49] for x, y in tgt]
    sample = make_sample(src, tgt, (200, 100), (50, 400), grid_t2s=grid,
                         src=dict(bbox=[0, 0, 60, 80]),
                         tgt=dict(bbox_size=85.))
    cases = {  # (threshold, threshold_of): L
        ('image', 'source'): 200, ('image', 'target'): 400,
        ('bbox', 'source'): 80, ('bbox', 'target'): 85,
        ('keypoints', 'source'): 199, ('keypoints', 'target'): 399,
    }
    for (threshold, side), length in cases.items():
        alphas = (9 / length - 1e-6, 9 / length + 1e-6)
        result = evaluate([sample], alphas=alphas, threshold=threshold,
                          threshold_of=side)
        assert list(result.values()) == pytest.approx([0, 100]), \
            (threshold, side)
        assert PCKMetric(threshold=threshold, threshold_of=side).pair_result(
            sample)['length'] == pytest.approx(length)
    # a box is preferred to a published length
    sample.source.gt_bbox_size = torch.tensor(5.)
    assert PCKMetric(threshold='bbox').pair_result(sample)['length'] == 80


def test_eval_size_rescales_keypoints_and_threshold():
    # SFNet's image_size protocol: both images as 288 x 288, L = 288
    tgt = [[0, 0], [79, 59], [40, 30]]
    src = [[x * 39 / 79, y * 29 / 59] for x, y in tgt]
    grid = identity_grid(9, 9)
    # 20 px of the 288-wide frame of the target, i.e. 20 * 39 / 287 source
    # px, which are 20 * 39 / 287 * 288 / 40 = 19.6 px at 288: 0.068 L
    grid[..., 0] += 2 * 20 / 287
    sample = make_sample(src, tgt, (30, 40), (60, 80), grid_t2s=grid)
    result = evaluate([sample], eval_size=(288, 288))
    assert_pck(result, {'PCK@0.05': 0, 'PCK@0.1': 100, 'PCK@0.15': 100})
    assert_pck(result, brute_force([sample.to_dict()],
                                   eval_size=(288, 288)))
    distances = PCKMetric(eval_size=(288, 288)).pair_result(
        sample)['distances']
    # rounding to source pixels moves each estimate by < 0.5 px (x 7.2)
    assert distances.numpy() == pytest.approx(20 * 39 / 287 * 288 / 40,
                                              abs=0.5 * 288 / 40)


def test_s2t_transfer():
    grid = identity_grid(10, 10)
    grid[..., 0] -= 2 * 7 / 99
    kps = [[30, 30], [60, 60]]
    sample = make_sample(kps, kps, (100, 100), (100, 100), grid_s2t=grid)
    assert_pck(evaluate([sample], transfer='s2t'),
               {'PCK@0.05': 0, 'PCK@0.1': 100, 'PCK@0.15': 100})
    with pytest.raises(KeyError, match='pred_grid_t2s'):
        evaluate([sample])


# ------------------------------------- the old behaviours, reproduced
def _identity_pipeline_samples():
    """Pairs as the old metric saw them: no resize (identity homography,
    input = original size), random grids, keypoints partly outside (the
    nearest reading clamps them) and at half pixels (ties round to
    even)."""
    rng = np.random.RandomState(3)
    samples = []
    for src_shape, tgt_shape in (((23, 31), (17, 29)), ((40, 20), (25, 50)),
                                 ((30, 30), (30, 30))):
        k = 9
        src = rng.uniform(-0.05, 1.05, (k, 2)) * [src_shape[1] - 1,
                                                  src_shape[0] - 1]
        tgt = rng.uniform(-0.05, 1.05, (k, 2)) * [tgt_shape[1] - 1,
                                                  tgt_shape[0] - 1]
        src[0], tgt[0] = [2.5, 3.5], [4.5, 1.5]
        grids = [identity_grid(6, 7) + torch.from_numpy(
            rng.normal(0, 0.1, (6, 7, 2))).float() for _ in range(2)]
        samples.append(make_sample(src.tolist(), tgt.tolist(),
                                   src_shape, tgt_shape, grid_t2s=grids[0],
                                   grid_s2t=grids[1]))
    return samples


@pytest.mark.parametrize('transfer', ['t2s', 's2t'])
def test_recorded_nearest_equals_the_old_reading(transfer):
    """Identity homographies and inputs of the original size: the old
    reading (upsample the grid, read the rounded pixel) exactly."""
    metric = PCKMetric(transfer=transfer)
    for sample in _identity_pipeline_samples():
        query, answer = (sample.target, sample.source) if transfer == 't2s' \
            else (sample.source, sample.target)
        grid = sample.get(f'pred_grid_{transfer}')
        estimate = old_nearest_estimate(grid, query.gt_keypoints,
                                        query.ori_shape, answer.ori_shape)
        expected = (estimate - answer.gt_keypoints.double()).norm(dim=1)
        result = metric.pair_result(sample)
        assert result['num_valid'] == len(expected)
        torch.testing.assert_close(result['distances'], expected,
                                   rtol=0, atol=1e-9)


def sfnet_protocol_sample(rng, src_shape, tgt_shape, grid_size=(20, 20),
                          side=288, pad=16, margins=None):
    """A pair through SFNet's test pipeline: RecordedResize to side x side,
    RecordedPad of one feature cell on every side."""
    k = 8
    views = []
    for shape in (src_shape, tgt_shape):
        points = rng.uniform(0, 1, (k, 2)) * [shape[1] - 1, shape[0] - 1]
        matrix = shift_matrix(pad, pad) @ resize_matrix(shape, (side, side))
        views.append(dict(
            keypoints=points.tolist(), shape=shape,
            meta=dict(img_shape=(side + 2 * pad, ) * 2, homography=matrix,
                      pad_margins=margins or (pad, ) * 4,
                      bbox=[3, 5, shape[1] / 2, shape[0] - 4])))
    grids = [identity_grid(*grid_size, torch.float64) * 0.9 + torch.from_numpy(
        rng.normal(0, 0.05, grid_size + (2, ))) for _ in range(2)]
    return make_sample(views[0]['keypoints'], views[1]['keypoints'],
                       src_shape, tgt_shape, grid_t2s=grids[0],
                       grid_s2t=grids[1], src=views[0]['meta'],
                       tgt=views[1]['meta'])


@pytest.mark.parametrize('eval_size', [(288, 288), None])
@pytest.mark.parametrize('transfer', ['t2s', 's2t'])
def test_sfnet_approximate_equals_the_old_crop_and_rescale(transfer,
                                                          eval_size):
    """undo='sfnet_approximate' is the old grid_crop=1, grid_rescale=10/9
    reading of 20 x 20 grids (in the evaluation frame)."""
    rng = np.random.RandomState(5)
    metric = PCKMetric(transfer=transfer, undo='sfnet_approximate',
                       eval_size=eval_size)
    for shapes in (((300, 500), (375, 333)), ((288, 288), (100, 200))):
        sample = sfnet_protocol_sample(rng, *shapes)
        query, answer = (sample.target, sample.source) if transfer == 't2s' \
            else (sample.source, sample.target)
        frame = {id(v): eval_size or v.ori_shape for v in sample.views}
        factor = {id(v): torch.tensor(
            [frame[id(v)][1] / v.ori_shape[1],
             frame[id(v)][0] / v.ori_shape[0]], dtype=torch.float64)
            for v in sample.views}
        estimate = old_sfnet_estimate(
            sample.get(f'pred_grid_{transfer}'),
            query.gt_keypoints.double() * factor[id(query)],
            frame[id(query)], frame[id(answer)])
        truth = answer.gt_keypoints.double() * factor[id(answer)]
        result = metric.pair_result(sample)
        torch.testing.assert_close(result['distances'],
                                   (estimate - truth).norm(dim=1), rtol=0,
                                   atol=1e-9)
    # and the PCK values, with the bbox threshold of the validation
    samples = [sfnet_protocol_sample(rng, (200, 300), (240, 180))
               for _ in range(3)]
    cfg = dict(alphas=(0.05, 0.1, 0.3), threshold='bbox', transfer=transfer,
               undo='sfnet_approximate', eval_size=eval_size)
    assert_pck(evaluate(samples, **cfg),
               brute_force([s.to_dict() for s in samples], **cfg))


def test_sfnet_approximate_closed_form():
    """An 8 x 8 grid over a 64 x 64 input padded by one 8 px cell: the outer
    cells are dropped and the rest stretched by 8/6. The identity grid's
    inner cells span [-5/7, 5/7], so it becomes 20/21 of the identity:
    points move 1/21 of their offset towards the image centre."""
    torch.testing.assert_close(crop_and_rescale_grid(identity_grid(8, 8)),
                               identity_grid(6, 6) * 20 / 21)
    # per axis: an 8 x 12 grid is stretched by 12/10 in x and 8/6 in y
    torch.testing.assert_close(
        crop_and_rescale_grid(identity_grid(8, 12)),
        identity_grid(6, 10) * torch.tensor([9 / 11 * 12 / 10, 20 / 21]))
    with pytest.raises(ValueError, match='leaves nothing'):
        crop_and_rescale_grid(identity_grid(2, 5))
    meta = dict(img_shape=(64, 64), pad_margins=(8, 8, 8, 8))
    kps = np.array([[0, 0], [63, 31], [20, 10], [40, 25]])
    sample = make_sample(kps.tolist(), kps.tolist(), (32, 64), (32, 64),
                         grid_t2s=identity_grid(8, 8, torch.float64), src=meta,
                         tgt=meta)
    metric = PCKMetric(undo='sfnet_approximate')
    centre = np.array([63 / 2, 31 / 2])
    expected = np.hypot(*((kps - centre) / 21).T)
    assert metric.pair_result(sample)['distances'].numpy() == pytest.approx(
        expected, abs=1e-9)
    # a grid 21/20 wider than the identity is undone exactly
    sample.pred_grid_t2s = identity_grid(8, 8, torch.float64) * 21 / 20
    assert metric.pair_result(sample)['distances'].max() < 1e-9
    # 'recorded' reads the same grid between the padded inputs instead
    assert PCKMetric(undo='recorded').pair_result(
        sample)['distances'].max() > 1


@pytest.mark.parametrize('margins,grid_size,match', [
    (None, (20, 20), r'\(0, 0, 0, 0\)'),
    ((16, 16, 0, 0), (20, 20), 'one feature cell'),
    ((8, 8, 8, 8), (20, 20), 'one feature cell'),
    ((16, 16, 16, 16), (10, 10), 'cell is 32 x 32 px'),
])
def test_sfnet_approximate_refuses_other_padding(margins, grid_size, match):
    rng = np.random.RandomState(0)
    sample = sfnet_protocol_sample(rng, (100, 120), (90, 80),
                                   grid_size=grid_size, margins=margins)
    if margins is None:
        sample.source.set_metainfo(dict(pad_margins=(16, ) * 4))
        del sample.target.pad_margins
    metric = PCKMetric(undo='sfnet_approximate')
    with pytest.raises(ValueError, match=match) as info:
        metric.pair_result(sample)
    assert "undo='recorded'" in str(info.value)
    # the exact protocol takes any recorded pipeline
    PCKMetric().pair_result(sample)


# ---------------------------------------- every option vs brute force
def _random_samples():
    """Three pairs through different recorded pipelines, whose errors
    straddle the thresholds: resize + flip with batch padding, padding +
    a mild perspective, and no transform at all."""
    rng = np.random.RandomState(0)
    pipelines = [
        (((23, 31), resize_matrix((23, 31), (20, 24)), (20, 24)),
         ((17, 29), hflip_matrix(24) @ resize_matrix((17, 29), (20, 24)),
          (20, 24)), (24, 28)),
        (((40, 20), shift_matrix(2, 3), (43, 22)),
         ((25, 50), np.array([[1.1, 0.05, 1], [0.02, 0.9, 2],
                              [4e-4, -2e-4, 1]]), (30, 60)), None),
        (((30, 30), np.eye(3), (30, 30)), ((30, 30), np.eye(3), (30, 30)),
         None),
    ]
    samples = []
    for i, (src_p, tgt_p, batch_shape) in enumerate(pipelines):
        k = 6 + i
        views = []
        for shape, matrix, img_shape in (src_p, tgt_p):
            views.append(dict(ori_shape=shape, matrix=matrix,
                              input=batch_shape or img_shape,
                              meta=dict(img_shape=img_shape,
                                        homography=matrix,
                                        batch_input_shape=batch_shape)))
        # target keypoints, and where the identity between the inputs takes
        # them in the source, plus noise
        s, t = views
        tgt = rng.uniform(0, 1, (k, 2)) * [t['ori_shape'][1] - 1,
                                           t['ori_shape'][0] - 1]
        src = []
        for x, y in tgt:
            ix, iy = _map(t['matrix'], x, y)
            sx = ix / (t['input'][1] - 1) * (s['input'][1] - 1)
            sy = iy / (t['input'][0] - 1) * (s['input'][0] - 1)
            src.append(_map(np.linalg.inv(s['matrix']), sx, sy))
        src = np.array(src) + rng.normal(0, 1.5, (k, 2))
        valid = rng.uniform(size=k) > 0.2
        src[~valid] = tgt[~valid] = -1
        grids = [identity_grid(6, 7) + torch.from_numpy(
            rng.normal(0, 0.08, (6, 7, 2))).float() for _ in range(2)]
        s['meta'].update(bbox=[1, 2, 20 + i, 15])
        t['meta'].update(bbox=[0, 3, 12, 16 + i])
        samples.append(make_sample(
            src.tolist(), tgt.tolist(), s['ori_shape'], t['ori_shape'],
            grid_t2s=grids[0], grid_s2t=grids[1], valid=valid.tolist(),
            category=('cat', 'dog')[i % 2], src=s['meta'], tgt=t['meta']))
    return samples


def _approximate_samples():
    """Three pairs padded by one feature cell (6 x 7 grids over 24 x 28
    inputs: 4 px cells)."""
    rng = np.random.RandomState(1)
    samples = []
    for i, shapes in enumerate((((23, 31), (17, 29)), ((40, 20), (25, 50)),
                                ((30, 30), (30, 30)))):
        k = 6 + i
        unit = rng.uniform(0, 1, (k, 2))
        src = unit * [shapes[0][1] - 1, shapes[0][0] - 1]
        tgt = unit * [shapes[1][1] - 1, shapes[1][0] - 1]
        src += rng.normal(0, 1.5, (k, 2))
        valid = rng.uniform(size=k) > 0.2
        src[~valid] = tgt[~valid] = -1
        grids = [identity_grid(6, 7) + torch.from_numpy(
            rng.normal(0, 0.08, (6, 7, 2))).float() for _ in range(2)]
        meta = dict(img_shape=(24, 28), pad_margins=(4, 4, 4, 4))
        samples.append(make_sample(
            src.tolist(), tgt.tolist(), *shapes, grid_t2s=grids[0],
            grid_s2t=grids[1], valid=valid.tolist(),
            src=dict(meta, bbox=[1, 2, 20 + i, 15]),
            tgt=dict(meta, bbox=[0, 3, 12, 16 + i])))
    return samples


OPTIONS = list(itertools.product(
    ('image', 'bbox', 'keypoints'), SIDES, ('pair', 'keypoint'),
    ('t2s', 's2t'), ('nearest', 'bilinear'), (None, (36, 44))))


@pytest.mark.parametrize('undo', ['recorded', 'sfnet_approximate'])
@pytest.mark.parametrize(
    'threshold,side,average,transfer,sampling,eval_size', OPTIONS)
def test_matches_brute_force(threshold, side, average, transfer, sampling,
                             eval_size, undo):
    samples = _random_samples() if undo == 'recorded' else \
        _approximate_samples()
    cfg = dict(alphas=(0.05, 0.1, 0.2, 0.4), threshold=threshold,
               threshold_of=side, average=average, transfer=transfer,
               undo=undo, point_sampling=sampling, eval_size=eval_size)
    expected = brute_force([s.to_dict() for s in samples], **cfg)
    assert_pck(evaluate(samples, **cfg), expected)


@pytest.mark.parametrize('undo', ['recorded', 'sfnet_approximate'])
def test_random_samples_are_not_degenerate(undo):
    """The brute-force comparisons see correct and wrong keypoints."""
    samples = _random_samples() if undo == 'recorded' else \
        _approximate_samples()
    values = evaluate(samples, alphas=(0.05, 0.1, 0.2, 0.4), undo=undo)
    assert 0 < values['PCK@0.1'] < 100
    assert values['PCK@0.05'] < values['PCK@0.2'] <= values['PCK@0.4']
    # the two readings differ on these pipelines
    if undo == 'recorded':
        other = PCKMetric(undo=undo, point_sampling='bilinear')
        nearest = PCKMetric(undo=undo)
        assert any(not torch.allclose(nearest.pair_result(s)['distances'],
                                      other.pair_result(s)['distances'])
                   for s in samples)


# ------------------------------------------------------------- plumbing
def test_evaluator_registry_and_category_log(monkeypatch):
    from mmcorr.evaluation.metrics import pck_metric
    logged = []
    monkeypatch.setattr(pck_metric, 'print_log',
                        lambda msg, logger=None: logged.append(msg))
    samples = _random_samples()
    evaluator = Evaluator(dict(type='PCKMetric', threshold='bbox'))
    evaluator.dataset_meta = dict(classes=('dog', 'cat'))
    evaluator.process(samples, {})  # data samples, converted by to_dict
    metrics = evaluator.evaluate(len(samples))
    assert list(metrics) == ['PCK@0.05', 'PCK@0.1', 'PCK@0.15']
    assert metrics == pytest.approx(
        brute_force([s.to_dict() for s in samples], threshold='bbox'))
    out = '\n'.join(logged)
    assert "threshold='bbox'" in out and "undo='recorded'" in out
    # one row per category, in the dataset's class order
    assert re.search(r'\|\s+dog\s+\|.*\n\|\s+cat\s+\|', out)
    assert METRICS.get('PCKMetric') is PCKMetric


def test_samples_or_dicts():
    sample = _random_samples()[0]
    metric = PCKMetric()
    from_sample = metric.pair_result(sample)
    from_dict = metric.pair_result(sample.to_dict())
    assert torch.equal(from_sample['distances'], from_dict['distances'])
    assert from_sample['category'] == 'cat'


def test_pairs_without_valid_keypoints_are_skipped():
    grid = identity_grid(4, 4)
    good = make_sample([[5, 5]], [[5, 5]], (20, 20), (20, 20), grid_t2s=grid)
    empty = make_sample([[-1, -1]], [[-1, -1]], (20, 20), (20, 20),
                        grid_t2s=grid, valid=[False])
    assert evaluate([good, empty])['PCK@0.1'] == pytest.approx(100)
    assert math.isnan(evaluate([empty])['PCK@0.1'])
    assert math.isnan(evaluate([empty], threshold='keypoints')['PCK@0.1'])


def test_clear_errors():
    for kwargs, match in [(dict(threshold='box'), 'threshold'),
                          (dict(threshold_of='src'), 'threshold_of'),
                          (dict(average='mean'), 'average'),
                          (dict(transfer='both'), 'transfer'),
                          (dict(undo='approximate'), 'undo'),
                          (dict(point_sampling='bicubic'), 'point_sampling'),
                          (dict(alphas=(0, )), 'alphas'),
                          (dict(alphas=()), 'alphas'),
                          (dict(eval_size=(288, )), 'eval_size')]:
        with pytest.raises(ValueError, match=match):
            PCKMetric(**kwargs)
    assert PCKMetric(alphas=0.1).alphas == (0.1, )

    def fresh():
        return make_sample([[1, 1]], [[1, 1]], (9, 9), (9, 9),
                           grid_t2s=identity_grid(3, 3))

    sample = fresh()
    del sample.pred_grid_t2s
    with pytest.raises(KeyError, match='pred_grid_t2s'):
        PCKMetric().pair_result(sample)
    sample = fresh().to_dict()
    sample['pred_grid_t2s'] = torch.zeros(3, 3, 3)
    with pytest.raises(ValueError, match=r'\[Hf, Wf, 2\]'):
        PCKMetric().pair_result(sample)
    with pytest.raises(KeyError, match='gt_bbox or gt_bbox_size'):
        PCKMetric(threshold='bbox').pair_result(fresh())
    sample = fresh()
    sample.source.gt_bbox_size = torch.tensor(5.)
    with pytest.raises(ValueError, match='eval_size'):
        PCKMetric(threshold='bbox', eval_size=(8, 8)).pair_result(sample)
    for field, match in (('ori_shape', 'ori_shape'),
                         ('gt_keypoints', 'gt_keypoints'),
                         ('homography_matrix', 'homography_matrix')):
        sample = fresh()
        delattr(sample.target, field)
        with pytest.raises(KeyError, match=match):
            PCKMetric().pair_result(sample)
    sample = fresh()
    del sample.source.img_shape
    with pytest.raises(KeyError, match='batch_input_shape or img_shape'):
        PCKMetric().pair_result(sample)
    sample = fresh()
    sample.views = [sample.source]
    with pytest.raises(ValueError, match='two views, got 1'):
        PCKMetric().pair_result(sample)
    with pytest.raises(KeyError, match='no views'):
        PCKMetric().pair_result({'pred_grid_t2s': identity_grid(3, 3)})
    sample = fresh()
    sample.target.gt_keypoints = torch.ones(2, 2)
    with pytest.raises(ValueError, match='differ'):
        PCKMetric().pair_result(sample)
    sample = fresh()
    sample.gt_keypoint_valid = torch.tensor([True, False])
    with pytest.raises(ValueError, match='gt_keypoint_valid has 2'):
        PCKMetric().pair_result(sample)
