# Copyright (c) mmcorr contributors. All rights reserved.
"""CoSODScorer against independent references: MAE as a numpy one-liner,
the F-measure curve by a brute-force loop over PySODMetrics' threshold
convention, PySODMetrics' own accumulating objects, perfect and inverted
predictions, the resizing policies and the input checks."""
import warnings

import cv2
import numpy as np
import pytest
from PIL import Image

from mmcorr.evaluation import COSOD_KEYS, CoSODInputError, CoSODScorer

KEYS = {'Smeasure', 'maxEm', 'meanEm', 'adpEm', 'maxFm', 'meanFm', 'adpFm',
        'MAE'}


def _maps(seed, count=4, shape=(17, 23)):
    """Random uint8 predictions holding 0 and 255 (so PySODMetrics' min-max
    normalisation is the identity) and blob-like 0/255 GTs."""
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(count):
        pred = rng.integers(0, 256, shape, dtype=np.uint8)
        pred.flat[:2] = (0, 255)
        gt = np.zeros(shape, np.uint8)
        y, x = rng.integers(2, 8, 2)
        gt[y:y + rng.integers(4, 9), x:x + rng.integers(5, 12)] = 255
        pairs.append((pred, gt))
    return pairs


def _brute_f_curves(pred_u8, gt_u8, beta2=0.3):
    """Precision, recall and F at thresholds 255, 254, ..., 0, written
    from PySODMetrics' documented convention: gt > 128 is foreground; the
    prediction / 255 is min-max normalised unless constant; a pixel is
    positive at threshold t when floor(normalised * 255) >= t; 0/0 -> 0."""
    p = pred_u8.astype(np.float64) / 255
    if p.max() != p.min():
        p = (p - p.min()) / (p.max() - p.min())
    level = (p * 255).astype(np.uint8)
    fg = gt_u8 > 128
    prec, rec, fms = [], [], []
    for t in range(255, -1, -1):
        positive = level >= t
        tp = np.count_nonzero(positive & fg)
        pr = tp / positive.sum() if positive.sum() else 0.0
        rc = tp / fg.sum() if fg.sum() else 0.0
        f = (1 + beta2) * pr * rc / (beta2 * pr + rc) if pr + rc else 0.0
        prec.append(pr)
        rec.append(rc)
        fms.append(f)
    return np.array(prec), np.array(rec), np.array(fms)


def _scorer(pairs, **kwargs):
    scorer = CoSODScorer(**kwargs)
    for pred, gt in pairs:
        scorer.add(pred, gt)
    return scorer


def test_keys_are_exact_and_python_floats():
    results = _scorer(_maps(0)).results()
    assert set(results) == KEYS and set(COSOD_KEYS) == KEYS
    assert all(type(v) is float for v in results.values())


def test_mae_is_the_mean_absolute_error():
    pairs = _maps(1)
    mae = np.mean([np.abs(p / 255 - (g > 128)).mean() for p, g in pairs])
    assert _scorer(pairs).results()['MAE'] == pytest.approx(mae, abs=1e-12)


def test_f_measure_matches_a_brute_force_threshold_loop():
    pairs = _maps(2, count=5)
    curves = [_brute_f_curves(p, g) for p, g in pairs]
    prec, rec, fms = (np.mean([c[i] for c in curves], axis=0)
                      for i in range(3))
    scorer = _scorer(pairs)
    results, got = scorer.results(), scorer.curves()
    assert results['maxFm'] == pytest.approx(fms.max(), abs=1e-12)
    assert results['meanFm'] == pytest.approx(fms.mean(), abs=1e-12)
    np.testing.assert_allclose(got['fmeasure'], fms, atol=1e-12)
    np.testing.assert_allclose(got['precision'], prec, atol=1e-12)
    np.testing.assert_allclose(got['recall'], rec, atol=1e-12)
    np.testing.assert_array_equal(got['thresholds'], np.arange(255, -1, -1))
    assert results['maxEm'] == pytest.approx(got['emeasure'].max())


def test_low_contrast_prediction_is_min_max_stretched():
    """A low-contrast map is stretched by PySODMetrics (documented)."""
    pred, gt = _maps(3, count=1)[0]
    low = (pred // 4).astype(np.uint8)  # values 0..63
    brute = _brute_f_curves(low, gt)[2].max()
    assert _scorer([(low, gt)]).results()['maxFm'] == pytest.approx(brute)


def test_equals_pysodmetrics_own_accumulation():
    import py_sod_metrics as psm
    pairs = _maps(4, count=6)
    sm, em, mae = psm.Smeasure(alpha=0.5), psm.Emeasure(), psm.MAE()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        fm = psm.Fmeasure(beta=0.3)
    for pred, gt in pairs:
        for metric in (sm, em, fm, mae):
            metric.step(pred, gt)
    ref_em, ref_fm = em.get_results()['em'], fm.get_results()['fm']
    results = _scorer(pairs).results()
    expected = dict(
        Smeasure=sm.get_results()['sm'], MAE=mae.get_results()['mae'],
        maxEm=ref_em['curve'].max(), meanEm=ref_em['curve'].mean(),
        adpEm=ref_em['adp'], maxFm=ref_fm['curve'].max(),
        meanFm=ref_fm['curve'].mean(), adpFm=ref_fm['adp'])
    for key, value in expected.items():
        assert results[key] == pytest.approx(float(value), abs=1e-12), key


def test_perfect_and_inverted_predictions():
    gt = _maps(5, count=1)[0][1]
    perfect = _scorer([(gt.copy(), gt)]).results()
    assert perfect['Smeasure'] == pytest.approx(1)
    assert perfect['MAE'] == 0
    assert perfect['maxFm'] == pytest.approx(1)
    # PySODMetrics divides the E-measure sum by (H * W - 1), as Matlab does
    assert perfect['maxEm'] == pytest.approx(gt.size / (gt.size - 1))
    inverted = _scorer([(255 - gt, gt)]).results()
    assert inverted['MAE'] == 1
    assert inverted['Smeasure'] < 0.1
    assert inverted['maxFm'] < 0.5 and inverted['adpFm'] == 0
    assert inverted['maxEm'] < 0.5


def test_float_bool_and_uint8_predictions_agree():
    pred, gt = _maps(6, count=1)[0]
    as_uint8 = _scorer([(pred, gt)]).results()
    assert _scorer([(pred / 255.0, gt)]).results() == as_uint8
    assert _scorer([(pred.astype(np.float32) / 255, gt > 128)]).results() \
        == as_uint8
    assert _scorer([(np.stack([pred] * 3, -1), gt)]).results() == as_uint8
    binary = _scorer([(gt > 128, gt)]).results()
    assert binary['MAE'] == 0


def test_prediction_is_resized_bilinearly_to_the_gt():
    rng = np.random.default_rng(7)
    pred = rng.random((9, 13))
    gt = _maps(7, count=1, shape=(20, 31))[0][1]
    resized = cv2.resize(pred.astype(np.float32), (31, 20),
                         interpolation=cv2.INTER_LINEAR)
    explicit = np.round(resized * 255).astype(np.uint8)
    assert _scorer([(pred, gt)]).results() == \
        _scorer([(explicit, gt)]).results()


def test_icnet224_resizes_both_with_pil_bilinear():
    pred, gt = _maps(8, count=1, shape=(30, 41))[0]
    small = _scorer([(pred, gt)], resolution='icnet224')
    explicit = [(np.asarray(Image.fromarray(m).resize((224, 224),
                                                     Image.BILINEAR))
                 for m in (pred, gt))]
    assert small.results() == _scorer([tuple(explicit[0])]).results()
    assert small.results() != _scorer([(pred, gt)]).results()


@pytest.mark.parametrize('pred, gt, message', [
    (np.zeros((4, 5, 3), np.uint8) + np.arange(3, dtype=np.uint8),
     np.zeros((4, 5), np.uint8), '3 different channels'),
    (np.zeros((4, 5, 4), np.uint8), np.zeros((4, 5), np.uint8), '4 channels'),
    (np.zeros((4, 5)), np.zeros((4, 5, 3), np.uint8), 'gt must be 2-D'),
    (np.full((4, 5), np.nan), np.zeros((4, 5), np.uint8), 'non-finite'),
    (np.full((4, 5), 1.5), np.zeros((4, 5), np.uint8), r'\[0, 1\]'),
    (np.full((4, 5), -0.1), np.zeros((4, 5), np.uint8), r'\[0, 1\]'),
    (np.zeros((4, 5), np.int64), np.zeros((4, 5), np.uint8), 'uint8'),
    (np.zeros((4, 5)), np.eye(4, 5, dtype=np.uint8), 'only 0 and 1'),
    (np.zeros((4, 5)), np.zeros((4, 5), np.float32), 'uint8 0-255 or bool'),
])
def test_bad_inputs_are_refused(pred, gt, message):
    with pytest.raises(CoSODInputError, match=message):
        CoSODScorer().add(pred, gt)


def test_empty_scorer_and_bad_resolution():
    with pytest.raises(CoSODInputError, match='no image'):
        CoSODScorer().results()
    with pytest.raises(CoSODInputError, match='no image'):
        CoSODScorer().curves()
    with pytest.raises(ValueError, match='resolution'):
        CoSODScorer(resolution='224')
