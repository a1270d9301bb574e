# Copyright (c) mmcorr contributors. All rights reserved.
"""demo/correspondence_demo.py and tools/analysis_tools/eval_middlebury_pair.py
through subprocesses, with a small random-weight model."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest

CONFIG = 'configs/sfnet_corr/' \
    'sfnet-corr_r101_pf-pascal-test-320x320.py'
SMALL = ['--cfg-options', 'model.backbone.depth=18',
         'model.backbone.init_cfg=None', 'model.adaptation_channels=[256,512]']


@pytest.fixture
def pair(tmp_path):
    rng = np.random.default_rng(0)
    src, tgt = str(tmp_path / 'src.png'), str(tmp_path / 'tgt.png')
    cv2.imwrite(src, rng.integers(0, 256, (48, 64, 3), dtype=np.uint8))
    cv2.imwrite(tgt, rng.integers(0, 256, (40, 30, 3), dtype=np.uint8))
    mask = np.zeros((48, 64), np.uint8)
    mask[10:40, 15:50] = 255
    mask_path = str(tmp_path / 'mask.png')
    cv2.imwrite(mask_path, mask)
    return src, tgt, mask_path


def test_demo_writes_pngs(run_tool, pair, tmp_path):
    src, tgt, mask = pair
    out = str(tmp_path / 'out')
    proc = run_tool(['demo/correspondence_demo.py', src, tgt, CONFIG,
                     '--src-mask', mask, '--out-dir', out, '--top-n', '7',
                     *SMALL])
    assert 'meaningless' in proc.stdout
    shapes = {'matches.png': (48, 94, 3), 'src_warped_to_tgt.png': (40, 30, 3),
              'tgt_warped_to_src.png': (48, 64, 3),
              'mask_warped.png': (40, 30)}
    for name, shape in shapes.items():
        path = osp.join(out, name)
        assert f'wrote {path}' in proc.stdout
        img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        assert img is not None and img.shape == shape, name
    assert set(np.unique(cv2.imread(osp.join(out, 'mask_warped.png'),
                                    cv2.IMREAD_UNCHANGED))) <= {0, 255}
    assert '7 matches drawn' in proc.stdout


def test_demo_errors(run_tool, pair, tmp_path):
    src, tgt, _ = pair
    proc = run_tool(['demo/correspondence_demo.py', str(tmp_path / 'no.png'),
                     tgt, CONFIG, *SMALL], check=False)
    assert proc.returncode != 0 and 'does not exist' in proc.stderr
    small_mask = str(tmp_path / 'small_mask.png')
    cv2.imwrite(small_mask, np.ones((5, 5), np.uint8))
    proc = run_tool(['demo/correspondence_demo.py', src, tgt, CONFIG,
                     '--src-mask', small_mask, '--out-dir',
                     str(tmp_path / 'o'), *SMALL], check=False)
    assert proc.returncode != 0 and 'the source image' in proc.stderr


def test_eval_middlebury_pair(run_tool, tmp_path):
    pytest.importorskip('skimage')
    out = str(tmp_path / 'middlebury.json')
    proc = run_tool(['tools/analysis_tools/eval_middlebury_pair.py', CONFIG,
                     '--out', out, *SMALL])
    with open(out) as f:
        report = json.load(f)
    assert report['image_size'] == [216, 320]
    assert report['num_keypoints'] == 400
    # default alphas 0.02 and 0.05: at 320 px the largest disparity (26 px)
    # is below 0.1 x 320, where the identity would score 100
    assert report['threshold_px'] == {'0.02': 6.4, '0.05': 16.0}
    for method in ('model', 'identity'):
        assert set(report[method]) == {'PCK@0.02', 'PCK@0.05',
                                       'mean_error_px', 'median_error_px'}
        assert 0 <= report[method]['PCK@0.02'] <= report[method][
            'PCK@0.05'] <= 100
    # the identity baseline depends on the ground truth only
    assert report['identity']['PCK@0.02'] == pytest.approx(15.75)
    assert report['identity']['PCK@0.05'] == pytest.approx(49.25)
    line = proc.stdout.strip().splitlines()[-1]
    assert line.startswith('Middlebury motorcycle 320x216, K=400: model ')
    assert 'identity PCK@0.02 15.75 PCK@0.05 49.25' in line
