# Copyright (c) mmcorr contributors. All rights reserved.
"""demo/correspondence_demo.py and tools/analysis_tools/eval_middlebury_pair.py
through subprocesses, with a small random-weight model and with the identity
matcher (whose outputs follow from the recorded test-pipeline geometry)."""
import json
import os.path as osp

import torch

import cv2
import numpy as np
import pytest

CONFIG = 'configs/sfnet_corr/' \
    'sfnet-corr_r101_pf-pascal-test-320x320.py'
SMALL = ['--cfg-options', 'model.backbone.depth=18',
         'model.backbone.init_cfg=None', 'model.adaptation_channels=[256,512]']


@pytest.fixture
def identity_config(tmp_path, repo_root):
    """The PF-PASCAL test pipeline (resize to 288 x 288, pad 16) with the
    identity matcher: a match moves a pixel by the two recorded resizes
    only, ``x -> (x + 0.5) W_t / W_s - 0.5``."""
    path = tmp_path / 'identity_pascal.py'
    path.write_text(
        f"_base_ = [{osp.join(repo_root, CONFIG)!r}]\n"
        "model = dict(_delete_=True, type='IdentityMatcher',\n"
        "             data_preprocessor=dict(type='MultiViewDataPreprocessor'"
        "))\n")
    return str(path)


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
    proc = run_tool(['demo/correspondence_demo.py', CONFIG, 'none', src, tgt,
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


def test_demo_with_the_identity_matcher(run_tool, identity_config, tmp_path):
    """The warped images and mask are the recorded geometry: both images
    resized to 288 x 288, so target pixel x reads source
    ``(x + 0.5) W_s / W_t - 0.5`` and vice versa."""
    src_shape, tgt_shape = (48, 64), (40, 30)
    ys, xs = np.mgrid[0:48, 0:64]
    src = np.repeat((2 * xs + ys)[..., None], 3, 2).astype(np.uint8)
    ys, xs = np.mgrid[0:40, 0:30]
    tgt = np.repeat((3 * xs + 2 * ys)[..., None], 3, 2).astype(np.uint8)
    mask = np.zeros(src_shape, np.uint8)
    mask[10:40, 15:50] = 255
    paths = [str(tmp_path / f'{n}.png') for n in ('src', 'tgt', 'mask')]
    for path, image in zip(paths, (src, tgt, mask)):
        cv2.imwrite(path, image)
    out = str(tmp_path / 'out')
    proc = run_tool(['demo/correspondence_demo.py', identity_config, 'none',
                     paths[0], paths[1], '--src-mask', paths[2], '--out-dir',
                     out, '--top-n', '5'])
    # identity grids: a perfect forward-backward cycle
    assert '5 matches drawn, forward-backward error 0.00-0.00' in proc.stdout

    def read(name):
        return cv2.imread(osp.join(out, name), cv2.IMREAD_UNCHANGED)

    def scale(shape_from, shape_to):
        return np.array([shape_to[1] / shape_from[1],
                         shape_to[0] / shape_from[0]])

    # the target in the source frame: a ramp read at the mapped position
    ys, xs = np.mgrid[0:48, 0:64].astype(np.float64)
    at = (np.stack([xs, ys], -1) + 0.5) * scale(src_shape, tgt_shape) - 0.5
    inside = ((at >= 0) & (at <= [29, 39])).all(-1)
    assert inside.mean() > 0.9
    expected = 3 * at[..., 0] + 2 * at[..., 1]
    warped = read('tgt_warped_to_src.png')
    assert warped.shape == (48, 64, 3)
    assert np.abs(warped[..., 0][inside] - expected[inside]).max() <= 1
    # the source in the target frame
    ys, xs = np.mgrid[0:40, 0:30].astype(np.float64)
    at = (np.stack([xs, ys], -1) + 0.5) * scale(tgt_shape, src_shape) - 0.5
    inside = ((at >= 0) & (at <= [63, 47])).all(-1)
    expected = 2 * at[..., 0] + at[..., 1]
    warped = read('src_warped_to_tgt.png')
    assert warped.shape == (40, 30, 3)
    assert np.abs(warped[..., 1][inside] - expected[inside]).max() <= 1
    # the mask, with nearest neighbours: exact away from rounding ties
    nearest = np.round(at)
    expected = ((nearest[..., 0] >= 15) & (nearest[..., 0] <= 49) &
                (nearest[..., 1] >= 10) & (nearest[..., 1] <= 39)) * 255
    clear = (np.abs(at - np.floor(at) - 0.5) > 0.01).all(-1)
    warped_mask = read('mask_warped.png')
    assert warped_mask.shape == (40, 30)
    np.testing.assert_array_equal(warped_mask[clear], expected[clear])


def test_demo_with_a_checkpoint(run_tool, pair, tmp_path, repo_root):
    from mmcorr.apis import init_model
    model = init_model(osp.join(repo_root, CONFIG), cfg_options={
        'model.backbone.depth': 18, 'model.backbone.init_cfg': None,
        'model.adaptation_channels': [256, 512]})
    ckpt = str(tmp_path / 'small.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    src, tgt, _ = pair
    out = str(tmp_path / 'out')
    proc = run_tool(['demo/correspondence_demo.py', CONFIG, ckpt, src, tgt,
                     '--out-dir', out, *SMALL])
    assert 'meaningless' not in proc.stdout + proc.stderr
    assert not osp.exists(osp.join(out, 'mask_warped.png'))
    assert cv2.imread(osp.join(out, 'matches.png')).shape == (48, 94, 3)
    # the checkpoint of another model is refused (strict loading)
    torch.save({'state_dict': {'conv.weight': torch.ones(1)}}, ckpt)
    proc = run_tool(['demo/correspondence_demo.py', CONFIG, ckpt, src, tgt,
                     '--out-dir', out, *SMALL],
                    check=False)
    assert proc.returncode != 0 and 'does not fit' in proc.stderr


def test_demo_cli_has_no_size_option(run_tool, pair, tmp_path):
    """The network size is the config's test pipeline's."""
    src, tgt, _ = pair
    proc = run_tool(['demo/correspondence_demo.py', CONFIG, 'none', src, tgt,
                     '--size', '64', '64', '--out-dir', str(tmp_path / 'o')],
                    check=False)
    assert proc.returncode == 2
    assert 'unrecognized arguments: --size' in proc.stderr
    assert not osp.exists(str(tmp_path / 'o'))


def test_demo_errors(run_tool, pair, tmp_path):
    src, tgt, _ = pair
    proc = run_tool(['demo/correspondence_demo.py', CONFIG, 'none',
                     str(tmp_path / 'no.png'), tgt, *SMALL], check=False)
    assert proc.returncode != 0 and 'does not exist' in proc.stderr
    small_mask = str(tmp_path / 'small_mask.png')
    cv2.imwrite(small_mask, np.ones((5, 5), np.uint8))
    proc = run_tool(['demo/correspondence_demo.py', CONFIG, 'none', src, tgt,
                     '--src-mask', small_mask, '--out-dir',
                     str(tmp_path / 'o'), *SMALL], check=False)
    assert proc.returncode != 0 and 'the source image' in proc.stderr
    proc = run_tool(['demo/correspondence_demo.py', CONFIG, 'none', src, tgt,
                     '--top-n', '0', *SMALL], check=False)
    assert proc.returncode != 0 and '--top-n must be >= 1' in proc.stderr
    proc = run_tool(['demo/correspondence_demo.py', str(tmp_path / 'none.py'),
                     'none', src, tgt], check=False)
    assert proc.returncode != 0 and 'config file' in proc.stderr


def test_eval_middlebury_pair(run_tool, tmp_path):
    out = str(tmp_path / 'middlebury.json')
    proc = run_tool(['tools/analysis_tools/eval_middlebury_pair.py', CONFIG,
                     '--out', out, *SMALL])
    with open(out) as f:
        report = json.load(f)
    assert report['image_size'] == [216, 320]
    assert report['network_input'] == [320, 320]  # 288 + 2 x 16
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


def test_eval_middlebury_pair_identity_matcher(run_tool, identity_config,
                                               tmp_path):
    """Both images have one size and one recorded mapping: the identity
    matcher is the identity mapping exactly, so it scores the baseline."""
    out = str(tmp_path / 'middlebury.json')
    run_tool(['tools/analysis_tools/eval_middlebury_pair.py',
              identity_config, '--out', out, '--num-points', '100',
              '--alphas', '0.02', '0.1'])
    with open(out) as f:
        report = json.load(f)
    assert report['num_keypoints'] == 100
    assert report['network_input'] == [320, 320]
    assert report['identity']['PCK@0.1'] == 100
    for key, value in report['identity'].items():
        assert report['model'][key] == pytest.approx(value, abs=1e-3), key


def test_eval_middlebury_pair_errors(run_tool, tmp_path):
    proc = run_tool(['tools/analysis_tools/eval_middlebury_pair.py',
                     str(tmp_path / 'none.py')], check=False)
    assert proc.returncode != 0 and 'does not exist' in proc.stderr
    proc = run_tool(['tools/analysis_tools/eval_middlebury_pair.py', CONFIG,
                     '--width', '16'], check=False)
    assert proc.returncode != 0 and '--width must be >= 32' in proc.stderr


@pytest.fixture
def shifted_pair(tmp_path):
    """A 640 x 480 picture and the same shifted 20 px left: target pixel
    ``x - 20`` shows source pixel ``x`` (H a pure translation)."""
    rng = np.random.default_rng(1)
    source = cv2.resize(rng.integers(0, 256, (60, 80, 3), dtype=np.uint8),
                        (640, 480), interpolation=cv2.INTER_LINEAR)
    target = np.roll(source, -20, axis=1)
    cv2.imwrite(str(tmp_path / 'a.png'), source)
    cv2.imwrite(str(tmp_path / 'b.png'), target)
    np.savetxt(str(tmp_path / 'h.txt'),
               np.array([[1, 0, -20], [0, 1, 0], [0, 0, 1]], float))
    return ['--pair-dir', str(tmp_path), '--source', 'a.png', '--target',
            'b.png', '--homography', 'h.txt']


def test_eval_homography_pair_identity_matcher(run_tool, identity_config,
                                               shifted_pair, tmp_path):
    """The identity matcher is the identity mapping: both score the same;
    the 20 px shift is 10 px at width 320, between 0.02 and 0.05 of 320."""
    out = str(tmp_path / 'pair.json')
    proc = run_tool(['tools/analysis_tools/eval_homography_pair.py',
                     identity_config, *shifted_pair, '--num-points', '50',
                     '--alphas', '0.02', '0.05', '--out', out])
    with open(out) as f:
        report = json.load(f)
    assert report['image_size'] == [240, 320]
    assert report['num_keypoints'] == 50
    assert report['identity']['PCK@0.02'] == 0
    assert report['identity']['PCK@0.05'] == 100
    assert report['identity']['mean_error_px'] == pytest.approx(10)
    for key, value in report['identity'].items():
        assert report['model'][key] == pytest.approx(value, abs=1e-3), key
    assert proc.stdout.strip().splitlines()[-1].startswith(
        'a.png -> b.png (h.txt) at 320x240: model PCK@0.02 0.00')


def test_eval_homography_pair_errors(run_tool, identity_config, tmp_path):
    proc = run_tool(['tools/analysis_tools/eval_homography_pair.py',
                     identity_config, '--pair-dir', str(tmp_path)],
                    check=False)
    assert proc.returncode != 0 and 'graf1.png does not exist' in proc.stderr


def test_pair_keypoints_helpers():
    from mmcorr.evaluation.pair_keypoints import (apply_homography,
                                                  lattice_keypoints,
                                                  point_pck)
    valid = np.zeros((20, 30), bool)
    valid[5:15, 10:30] = True
    points = lattice_keypoints(valid, 12)
    assert points.shape == (12, 2)
    assert valid[points[:, 1].astype(int), points[:, 0].astype(int)].all()
    with pytest.raises(ValueError, match='only 200 pixels'):
        lattice_keypoints(valid, 201)
    matrix = np.array([[2, 0, 1], [0, 3, -1], [0, 0, 1]], float)
    assert np.allclose(apply_homography(matrix, np.array([[1., 2.]])),
                       [[3, 5]])
    scores = point_pck(np.array([[0., 0.], [3., 4.]]), np.zeros((2, 2)),
                       [0.1, 1.0], 10)
    assert scores == {'PCK@0.1': 50.0, 'PCK@1': 100.0, 'mean_error_px': 2.5,
                      'median_error_px': 2.5}
