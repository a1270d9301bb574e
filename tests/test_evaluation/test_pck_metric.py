# Copyright (c) mmcorr contributors. All rights reserved.
import itertools
import math
import re

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator

from mmcorr.evaluation import PCKMetric
from mmcorr.registry import METRICS
from mmcorr.structures import PairDataSample

ALPHAS = (0.05, 0.1, 0.15)


# ------------------------------------------------------------ brute force
def _bilinear(grid, u, v):
    """grid[v][u] (lists of [x, y]) at real cell coordinates u, v."""
    h, w = len(grid), len(grid[0])
    x0, y0 = min(int(math.floor(u)), w - 1), min(int(math.floor(v)), h - 1)
    x1, y1 = min(x0 + 1, w - 1), min(y0 + 1, h - 1)
    wx, wy = u - x0, v - y0
    out = []
    for c in range(2):
        top = (1 - wx) * grid[y0][x0][c] + wx * grid[y0][x1][c]
        bottom = (1 - wx) * grid[y1][x0][c] + wx * grid[y1][x1][c]
        out.append((1 - wy) * top + wy * bottom)
    return out


def _extent(points):
    if not points:
        return float('nan')
    return max(max(p[c] for p in points) - min(p[c] for p in points)
               for c in range(2))


def brute_force(samples, alphas=ALPHAS, threshold='image',
                threshold_of='source', average='pair', transfer='t2s',
                grid_crop=0, grid_rescale=1.0, eval_size=None):
    """PCK by explicit loops over keypoints, written from the protocol."""
    sx, sy = ((grid_rescale, grid_rescale) if np.isscalar(grid_rescale)
              else grid_rescale)
    per_pair = []  # (num_valid, [correct per alpha])
    for s in samples:
        sizes, factors, points = {}, {}, {}
        for side in ('src', 'tgt'):
            h, w = s[f'{side}_ori_shape']
            fx, fy = 1.0, 1.0
            if eval_size is not None:
                fx, fy = eval_size[1] / w, eval_size[0] / h
                h, w = eval_size
            sizes[side], factors[side] = (h, w), (fx, fy)
            points[side] = [[float(p[0]) * fx, float(p[1]) * fy]
                            for p in s[f'gt_{side}_keypoints'].tolist()]
        valid = s['gt_keypoint_valid'].tolist()
        query, answer = ('tgt', 'src') if transfer == 't2s' else ('src', 'tgt')
        grid = s[f'pred_grid_{transfer}'].double().tolist()
        if grid_crop:
            grid = [row[grid_crop:-grid_crop]
                    for row in grid[grid_crop:-grid_crop]]
        gh, gw = len(grid), len(grid[0])
        (qh, qw), (ah, aw) = sizes[query], sizes[answer]
        distances = []
        for k in range(len(valid)):
            if not valid[k]:
                continue
            qx, qy = points[query][k]
            px = min(max(int(np.round(qx)), 0), qw - 1)
            py = min(max(int(np.round(qy)), 0), qh - 1)
            gx, gy = _bilinear(grid, px * (gw - 1) / (qw - 1),
                               py * (gh - 1) / (qh - 1))
            ex, ey = (gx * sx + 1) * (aw - 1) / 2, (gy * sy + 1) * (ah - 1) / 2
            tx, ty = points[answer][k]
            distances.append(math.hypot(ex - tx, ey - ty))
        side = 'src' if threshold_of == 'source' else 'tgt'
        if threshold == 'image':
            length = max(sizes[side])
        elif threshold == 'keypoints':
            length = _extent([p for p, v in zip(points[side], valid) if v])
        elif f'gt_{side}_bbox' in s:
            x1, y1, x2, y2 = s[f'gt_{side}_bbox'].tolist()
            fx, fy = factors[side]
            length = max((x2 - x1) * fx, (y2 - y1) * fy)
        else:
            length = float(s[f'gt_{side}_bbox_size'])
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


# ---------------------------------------------------------------- helpers
def identity_grid(h, w):
    """[h, w, 2] linspace(-1, 1) grid, x first."""
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w),
                            indexing='ij')
    return torch.stack([xs, ys], dim=-1)


def make_sample(src_kps, tgt_kps, src_shape, tgt_shape, grid_t2s=None,
                grid_s2t=None, valid=None, category=None, **fields):
    sample = PairDataSample(metainfo=dict(src_ori_shape=src_shape,
                                          tgt_ori_shape=tgt_shape))
    if category is not None:
        sample.set_metainfo(dict(category=category))
    sample.gt_src_keypoints = torch.tensor(src_kps, dtype=torch.float32)
    sample.gt_tgt_keypoints = torch.tensor(tgt_kps, dtype=torch.float32)
    if valid is None:
        valid = [True] * len(src_kps)
    sample.gt_keypoint_valid = torch.tensor(valid)
    if grid_t2s is not None:
        sample.pred_grid_t2s = grid_t2s
    if grid_s2t is not None:
        sample.pred_grid_s2t = grid_s2t
    for key, value in fields.items():
        setattr(sample, key, torch.as_tensor(value, dtype=torch.float32))
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
def test_identity_grid_is_perfect():
    kps = [[0, 0], [99, 99], [10, 57], [42.4, 3.6]]
    sample = make_sample(kps, kps, (100, 100), (100, 100),
                         grid_t2s=identity_grid(7, 9))
    assert_pck(evaluate([sample]), {f'PCK@{a:g}': 100 for a in ALPHAS})


def test_identity_grid_between_sizes_maps_by_corner_alignment():
    # target (61, 81) -> source (31, 41): x_s = x_t * 40 / 80
    tgt = [[0, 0], [80, 60], [20, 30], [64, 12]]
    src = [[x * 40 / 80, y * 30 / 60] for x, y in tgt]
    sample = make_sample(src, tgt, (31, 41), (61, 81),
                         grid_t2s=identity_grid(5, 6))
    assert_pck(evaluate([sample], alphas=(0.001, )), {'PCK@0.001': 100})


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
                         gt_src_bbox=[0, 0, 60, 80], gt_tgt_bbox_size=85.)
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


def test_grid_crop_and_rescale_closed_form():
    # an 8x8 identity grid cropped by 1 covers [-5/7, 5/7]; x 7/5 restores
    # the identity exactly
    sample = make_sample([[0, 0], [63, 31], [20, 10]],
                         [[0, 0], [63, 31], [20, 10]], (32, 64), (32, 64),
                         grid_t2s=identity_grid(8, 8))
    exact = evaluate([sample], alphas=(1e-4, ), grid_crop=1,
                     grid_rescale=7 / 5)
    assert exact['PCK@0.0001'] == pytest.approx(100)
    # without the rescale the points shrink towards the centre by 5/7:
    # x = 63 -> (5/7 + 1) * 63 / 2 = 54, 9 px off (L = 64)
    shrunk = make_sample([[63, 16]], [[63, 16]], (32, 64), (32, 64),
                         grid_t2s=identity_grid(8, 8))
    result = evaluate([shrunk], alphas=(8.9 / 64, 9.1 / 64), grid_crop=1)
    assert list(result.values()) == pytest.approx([0, 100])
    # per-axis rescale
    result = evaluate([sample], alphas=(1e-4, ), grid_crop=1,
                      grid_rescale=(7 / 5, 1.0))
    assert result['PCK@0.0001'] < 100


def test_eval_size_rescales_keypoints_and_threshold():
    # SFNet's image_size protocol: both images as 288 x 288, L = 288
    tgt = [[0, 0], [79, 59], [40, 30]]
    src = [[x * 39 / 79, y * 29 / 59] for x, y in tgt]
    grid = identity_grid(9, 9)
    grid[..., 0] += 2 * 20 / 287  # 20 px at 288: 0.069 L
    sample = make_sample(src, tgt, (30, 40), (60, 80), grid_t2s=grid)
    result = evaluate([sample], eval_size=(288, 288))
    assert_pck(result, {'PCK@0.05': 0, 'PCK@0.1': 100, 'PCK@0.15': 100})
    assert_pck(result, brute_force([sample.to_dict()],
                                   eval_size=(288, 288)))


def test_s2t_transfer():
    grid = identity_grid(10, 10)
    grid[..., 0] -= 2 * 7 / 99
    kps = [[30, 30], [60, 60]]
    sample = make_sample(kps, kps, (100, 100), (100, 100), grid_s2t=grid)
    assert_pck(evaluate([sample], transfer='s2t'),
               {'PCK@0.05': 0, 'PCK@0.1': 100, 'PCK@0.15': 100})


# ---------------------------------------- every option vs brute force
def _random_samples():
    """Three pairs whose errors straddle the thresholds."""
    rng = np.random.RandomState(0)
    samples = []
    shapes = [((23, 31), (17, 29)), ((40, 20), (25, 50)), ((30, 30),
                                                           (30, 30))]
    for i, (src_shape, tgt_shape) in enumerate(shapes):
        k = 6 + i
        unit = rng.uniform(0, 1, (k, 2))
        src = unit * [src_shape[1] - 1, src_shape[0] - 1]
        tgt = unit * [tgt_shape[1] - 1, tgt_shape[0] - 1]
        src += rng.normal(0, 1.5, (k, 2))
        valid = rng.uniform(size=k) > 0.2
        src[~valid] = tgt[~valid] = -1
        grids = [identity_grid(6, 7) + torch.from_numpy(
            rng.normal(0, 0.08, (6, 7, 2))).float() for _ in range(2)]
        samples.append(make_sample(
            src.tolist(), tgt.tolist(), src_shape, tgt_shape,
            grid_t2s=grids[0], grid_s2t=grids[1], valid=valid.tolist(),
            gt_src_bbox=[1, 2, 20 + i, 15], gt_tgt_bbox=[0, 3, 12, 16 + i],
            category=('cat', 'dog')[i % 2]))
    return samples


OPTIONS = list(itertools.product(
    ('image', 'bbox', 'keypoints'), ('source', 'target'), ('pair', 'keypoint'),
    ('t2s', 's2t'), ((0, 1.0), (1, 10 / 9), (1, (1.2, 0.9))),
    (None, (36, 44))))


@pytest.mark.parametrize('threshold,side,average,transfer,crop,eval_size',
                         OPTIONS)
def test_matches_brute_force(threshold, side, average, transfer, crop,
                             eval_size):
    samples = _random_samples()
    cfg = dict(alphas=(0.05, 0.1, 0.2, 0.4), threshold=threshold,
               threshold_of=side, average=average, transfer=transfer,
               grid_crop=crop[0], grid_rescale=crop[1], eval_size=eval_size)
    expected = brute_force([s.to_dict() for s in samples], **cfg)
    assert_pck(evaluate(samples, **cfg), expected)


# ------------------------------------------------------------- plumbing
def test_evaluator_registry_and_category_log(monkeypatch):
    from mmcorr.evaluation.metrics import pck_metric
    logged = []
    monkeypatch.setattr(pck_metric, 'print_log',
                        lambda msg, logger=None: logged.append(msg))
    samples = _random_samples()
    evaluator = Evaluator(dict(type='PCKMetric', threshold='bbox'))
    evaluator.dataset_meta = dict(classes=('dog', 'cat'))
    evaluator.process(samples, {})
    metrics = evaluator.evaluate(len(samples))
    assert list(metrics) == ['PCK@0.05', 'PCK@0.1', 'PCK@0.15']
    out = '\n'.join(logged)
    assert "threshold='bbox'" in out
    # one row per category, in the dataset's class order
    assert re.search(r'\|\s+dog\s+\|.*\n\|\s+cat\s+\|', out)
    assert METRICS.get('PCKMetric') is PCKMetric


def test_pairs_without_valid_keypoints_are_skipped():
    grid = identity_grid(4, 4)
    good = make_sample([[5, 5]], [[5, 5]], (20, 20), (20, 20), grid_t2s=grid)
    empty = make_sample([[-1, -1]], [[-1, -1]], (20, 20), (20, 20),
                        grid_t2s=grid, valid=[False])
    assert evaluate([good, empty])['PCK@0.1'] == pytest.approx(100)
    assert math.isnan(evaluate([empty])['PCK@0.1'])


def test_clear_errors():
    for kwargs, match in [(dict(threshold='box'), 'threshold'),
                          (dict(threshold_of='src'), 'threshold_of'),
                          (dict(average='mean'), 'average'),
                          (dict(transfer='both'), 'transfer'),
                          (dict(alphas=(0, )), 'alphas'),
                          (dict(grid_crop=-1), 'grid_crop'),
                          (dict(eval_size=(288, )), 'eval_size')]:
        with pytest.raises(ValueError, match=match):
            PCKMetric(**kwargs)
    sample = make_sample([[1, 1]], [[1, 1]], (9, 9), (9, 9))
    with pytest.raises(KeyError, match='pred_grid_t2s'):
        PCKMetric().pair_result(sample)
    sample.pred_grid_t2s = identity_grid(3, 3)
    with pytest.raises(KeyError, match='gt_src_bbox'):
        PCKMetric(threshold='bbox').pair_result(sample)
    sample.gt_src_bbox_size = torch.tensor(5.)
    with pytest.raises(ValueError, match='eval_size'):
        PCKMetric(threshold='bbox', eval_size=(8, 8)).pair_result(sample)
    with pytest.raises(ValueError, match='grid_crop'):
        PCKMetric(grid_crop=2).pair_result(sample)
    del sample.src_ori_shape
    with pytest.raises(KeyError, match='src_ori_shape'):
        PCKMetric().pair_result(sample)


def test_random_samples_are_not_degenerate():
    """The brute-force comparisons see correct and wrong keypoints."""
    values = evaluate(_random_samples(), alphas=(0.05, 0.1, 0.2, 0.4))
    assert 0 < values['PCK@0.1'] < 100
    assert values['PCK@0.05'] < values['PCK@0.2'] <= values['PCK@0.4']
