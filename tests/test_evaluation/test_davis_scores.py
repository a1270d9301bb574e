# Copyright (c) mmcorr contributors. All rights reserved.
"""The DAVIS-2017 scorer: hand-computed cases and the vos-benchmark
oracle (per-object J and F as davis2017-evaluation computes them)."""
import numpy as np
import pytest
from vos_benchmark.evaluator import Evaluator

from mmcorr.evaluation.davis_scores import (VOS_KEYS, VOSInputError,
                                            boundary_f_measure, boundary_map,
                                            boundary_tolerance,
                                            davis_palette, davis_statistics,
                                            region_similarity, score_sequence,
                                            summarise)


def square(shape, top, left, size):
    mask = np.zeros(shape, bool)
    mask[top:top + size, left:left + size] = True
    return mask


def test_region_similarity_by_hand():
    a, b = square((10, 10), 0, 0, 4), square((10, 10), 2, 2, 4)
    assert region_similarity(a, b) == pytest.approx(4 / 28)
    empty = np.zeros((10, 10), bool)
    assert region_similarity(empty, empty) == 1.0
    assert region_similarity(a, empty) == 0.0


def test_boundary_map_of_a_square():
    edges = boundary_map(square((6, 6), 1, 1, 3))
    # pixels that differ from a right / lower / lower-right neighbour
    expected = np.zeros((6, 6), bool)
    expected[0, 0] = True  # its lower-right neighbour (1, 1) is inside
    expected[0, 1:4] = True
    expected[1:4, 0] = True
    expected[1:4, 3] = True
    expected[3, 1:4] = True
    assert np.array_equal(edges, expected)


def test_boundary_tolerance_and_f_by_hand():
    assert boundary_tolerance((480, 854)) == 8
    assert boundary_tolerance((100, 100)) == 2
    shape = (100, 100)
    a = square(shape, 20, 20, 40)
    assert boundary_f_measure(a, a) == 1.0
    # a vertical 2-pixel shift stays within the 2-pixel tolerance; at 3
    # the top and bottom sides no longer match
    assert boundary_f_measure(a, square(shape, 22, 20, 40)) == 1.0
    f3 = boundary_f_measure(a, square(shape, 23, 20, 40))
    assert 0 < f3 < 1
    empty = np.zeros(shape, bool)
    assert boundary_f_measure(empty, empty) == 1.0  # P = R = 1
    assert boundary_f_measure(a, empty) == 0.0  # P = 1, R = 0
    assert boundary_f_measure(empty, a) == 0.0  # P = 0, R = 1


def test_statistics_by_hand():
    values = np.array([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3])
    stats = davis_statistics(values)
    # bin edges round(linspace(1, 8, 5)) - 1 = [0, 2, 3, 5, 7]
    assert stats['Mean'] == pytest.approx(0.65)
    assert stats['Recall'] == pytest.approx(5 / 8)
    assert stats['Decay'] == pytest.approx(np.mean([1, .9, .8]) -
                                           np.mean([.5, .4, .3]))


def test_uint8_bin_bug_fixed_beyond_256_frames():
    values = np.linspace(1, 0, 400)
    fixed = davis_statistics(values)
    legacy = davis_statistics(values, legacy_uint8_bins=True)
    edges = np.round(np.linspace(1, 400, 5) + 1e-10).astype(int) - 1
    assert fixed['Decay'] == pytest.approx(
        values[:edges[1] + 1].mean() - values[edges[3]:].mean())
    assert not np.isclose(legacy['Decay'], fixed['Decay'],
                          equal_nan=False)
    short = np.linspace(1, 0, 100)
    assert davis_statistics(short)['Decay'] == davis_statistics(
        short, legacy_uint8_bins=True)['Decay']


def moving_objects(seed, frames=9, shape=(60, 90), objects=3):
    """Ellipses that drift; predictions = GT with noise, drift, swaps."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    centres = rng.uniform([10, 10], [shape[0] - 10, shape[1] - 10],
                          (objects, 2))
    speed = rng.normal(0, 2, (objects, 2))
    gt, pred = [], []
    for t in range(frames):
        truth = np.zeros(shape, np.uint8)
        guess = np.zeros(shape, np.uint8)
        for k in range(objects):
            cy, cx = centres[k] + speed[k] * t
            truth[((yy - cy) / 9)**2 + ((xx - cx) / 13)**2 < 1] = k + 1
            dy, dx = rng.normal(0, 2, 2)
            guess[((yy - cy - dy) / 8)**2 + ((xx - cx - dx) / 14)**2
                  < 1] = k + 1
        guess[rng.random(shape) < 0.01] = rng.integers(0, objects + 1)
        if t == 4:
            guess[guess == objects] = 0  # an object lost for a frame
        truth[:2, :5] = 255  # void pixels count as background
        gt.append(truth)
        pred.append(guess)
    return gt, pred


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_matches_vos_benchmark(seed):
    gt, pred = moving_objects(seed)
    objects = score_sequence('seq', gt, pred)
    oracle = Evaluator()
    for truth, guess in zip(gt[1:-1], pred[1:-1]):
        oracle.feed_frame(guess, np.where(truth == 255, 0, truth))
    iou, boundary = oracle.conclude()
    assert sorted(iou) == [o.object_id for o in objects]
    for obj in objects:
        assert np.mean(obj.j) * 100 == pytest.approx(iou[obj.object_id],
                                                     abs=1e-9)
        assert np.mean(obj.f) * 100 == pytest.approx(
            boundary[obj.object_id], abs=1e-9)


def test_summary_averages_objects_not_sequences():
    a = score_sequence('a', *moving_objects(0, objects=3))
    b = score_sequence('b', *moving_objects(1, objects=1))
    result = summarise(a + b)
    rows = result['per_object']
    assert [r['name'] for r in rows] == ['a_1', 'a_2', 'a_3', 'b_1']
    assert result['J-Mean'] == pytest.approx(
        np.mean([r['J-Mean'] for r in rows]))
    assert result['J&F-Mean'] == pytest.approx(
        (result['J-Mean'] + result['F-Mean']) / 2)
    assert set(VOS_KEYS) <= set(result)


def test_unknown_object_and_size_are_refused():
    gt, pred = moving_objects(0, objects=2)
    pred[3] = pred[3].copy()
    pred[3][0, 0] = 3
    with pytest.raises(VOSInputError, match=r'seq/f3: object id 3'):
        score_sequence('seq', gt, pred, [f'f{i}' for i in range(9)])
    gt, pred = moving_objects(0)
    pred[2] = pred[2][:, :-1]
    with pytest.raises(VOSInputError, match=r'prediction \(60, 89\)'):
        score_sequence('seq', gt, pred)


def test_palette_is_davis():
    palette = davis_palette()
    assert len(palette) == 768
    assert palette[:12] == [0, 0, 0, 128, 0, 0, 0, 128, 0, 128, 128, 0]
