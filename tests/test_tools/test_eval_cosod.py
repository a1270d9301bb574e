# Copyright (c) mmcorr contributors. All rights reserved.
"""tools/analysis_tools/eval_cosod.py on tiny <group>/<image> folders: the
JSON and the plot (subprocess), and every refusal: exit code 2 with a
one-line message (a subprocess for one, the rest through ``main``
in-process to keep the tests fast)."""
import importlib.util
import json
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest

from mmcorr.evaluation import CoSODScorer

TOOL = 'tools/analysis_tools/eval_cosod.py'
KEYS = {'Smeasure', 'maxEm', 'meanEm', 'adpEm', 'maxFm', 'meanFm', 'adpFm',
        'MAE'}


@pytest.fixture(scope='module')
def tool(repo_root):
    spec = importlib.util.spec_from_file_location(
        'eval_cosod', osp.join(repo_root, TOOL))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def folders(tmp_path):
    """GT and predictions: groups a (2 images) and b (1 image), 12 x 10."""
    rng = np.random.default_rng(0)
    pairs = []
    for group, stems in (('a', ('1', '2')), ('b', ('3', ))):
        for stem in stems:
            gt = np.zeros((12, 10), np.uint8)
            gt[3:9, 2:7] = 255
            pred = rng.integers(0, 256, (12, 10), dtype=np.uint8)
            for root, image in (('gt', gt), ('pred', pred)):
                (tmp_path / root / group).mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(tmp_path / root / group / f'{stem}.png'),
                            image)
            pairs.append((pred, gt))
    return tmp_path, pairs


def _args(root, *extra):
    return ['--gt-root', str(root / 'gt'), '--pred-root',
            str(root / 'pred'), *extra]


def test_json_and_plot(folders, run_tool):
    root, pairs = folders
    out, plot = root / 'res' / 'm.json', root / 'res' / 'c.png'
    proc = run_tool([TOOL, *_args(root, '--out', str(out), '--plot',
                                  str(plot))])
    assert 'maxFm' in proc.stdout and '3 images in 2 groups' in proc.stdout
    result = json.loads(out.read_text())
    assert set(result) == KEYS | {'meta'}
    assert result['meta']['num_images'] == 3
    assert result['meta']['num_groups'] == 2
    assert result['meta']['resolution'] == 'gt'
    scorer = CoSODScorer()
    for pred, gt in pairs:
        scorer.add(pred, gt)
    assert {k: result[k] for k in KEYS} == scorer.results()
    image = cv2.imread(str(plot))
    assert image is not None and image.shape[0] > 100


def test_missing_root_is_one_line_exit_2(folders, run_tool):
    root, _ = folders
    proc = run_tool([TOOL, '--gt-root', str(root / 'nope'), '--pred-root',
                     str(root / 'pred')], check=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and 'is not a directory' in lines[0]


def _fails(tool, capsys, args, *fragments):
    with pytest.raises(SystemExit) as info:
        tool.main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err
    return err


def _write(path, image):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), image)


def test_missing_pred_root(folders, tool, capsys):
    root, _ = folders
    shutil.rmtree(root / 'pred')
    _fails(tool, capsys, _args(root), 'prediction root',
           'is not a directory')


def test_missing_predictions_are_listed(folders, tool, capsys):
    root, _ = folders
    (root / 'pred' / 'a' / '2.png').unlink()
    shutil.rmtree(root / 'pred' / 'b')
    _fails(tool, capsys, _args(root), '2 GT image(s) have no prediction',
           'a/2', 'b/3')


def test_extra_predictions_are_listed(folders, tool, capsys):
    root, _ = folders
    _write(root / 'pred' / 'a' / '9.png', np.zeros((12, 10), np.uint8))
    _write(root / 'pred' / 'c' / '1.png', np.zeros((12, 10), np.uint8))
    _fails(tool, capsys, _args(root), '2 prediction(s)', 'have no GT',
           'a/9.png', 'c/1.png')


def test_empty_gt_group(folders, tool, capsys):
    root, _ = folders
    (root / 'gt' / 'e').mkdir()
    _fails(tool, capsys, _args(root), 'has no image', osp.join('gt', 'e'))


def test_size_mismatch_needs_resize_pred(folders, tool, capsys):
    root, pairs = folders
    bigger = cv2.resize(pairs[0][0], (20, 24), interpolation=cv2.INTER_LINEAR)
    _write(root / 'pred' / 'a' / '1.png', bigger)
    _fails(tool, capsys, _args(root), '1.png is 20x24',
           'GT', '10x12', '--resize-pred')
    tool.main(_args(root, '--resize-pred'))
    assert 'maxFm' in capsys.readouterr().out
    tool.main(_args(root, '--resolution', 'icnet224'))
    assert "resolution 'icnet224'" in capsys.readouterr().out


@pytest.mark.parametrize('channels, message', [(3, '3 different channels'),
                                               (4, '4 channels')])
def test_non_grey_images_are_named(folders, tool, capsys, channels,
                                   message):
    root, _ = folders
    colour = np.zeros((12, 10, channels), np.uint8)
    colour[..., 0] = 200
    _write(root / 'pred' / 'b' / '3.png', colour)
    _fails(tool, capsys, _args(root), osp.join('b', '3.png'), message)


def test_corrupt_and_ambiguous_files(folders, tool, capsys):
    root, _ = folders
    (root / 'gt' / 'a' / '2.png').write_bytes(b'not a png')
    _fails(tool, capsys, _args(root), 'cannot decode',
           osp.join('gt', 'a', '2.png'))
    _write(root / 'pred' / 'b' / '3.jpg', np.zeros((12, 10), np.uint8))
    _fails(tool, capsys, _args(root), "two files with stem '3'")


def test_images_outside_groups(folders, tool, capsys):
    root, _ = folders
    _write(root / 'gt' / 'loose.png', np.zeros((12, 10), np.uint8))
    _fails(tool, capsys, _args(root), 'outside group folders', 'loose.png')


def test_jpg_predictions_are_accepted(folders, tool, capsys):
    root, _ = folders
    (root / 'pred' / 'b' / '3.png').unlink()
    _write(root / 'pred' / 'b' / '3.jpg', np.full((12, 10), 128, np.uint8))
    tool.main(_args(root))
    assert '3 images in 2 groups' in capsys.readouterr().out
