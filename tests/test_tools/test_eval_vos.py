# Copyright (c) mmcorr contributors. All rights reserved.
"""tools/analysis_tools/eval_vos.py on tiny DAVIS-layout folders."""
import json
import os

import numpy as np
import pytest
from PIL import Image

from mmcorr.evaluation import read_id_png, write_id_png
from mmcorr.evaluation.davis_folders import evaluate_davis_folders
from mmcorr.evaluation.davis_scores import VOSInputError, score_sequence
from mmcorr.fileio import UnreadableFileError


def make_davis(root, sequences=(('cat', 2, 6), ('dog', 1, 5))):
    """Annotations/480p/<seq>/%05d.png and ImageSets/2017/val.txt; returns
    {seq: list of GT arrays}."""
    rng = np.random.default_rng(0)
    truth = {}
    for name, objects, frames in sequences:
        masks = []
        for t in range(frames):
            mask = np.zeros((24, 32), np.uint8)
            for k in range(objects):
                top = 2 + 10 * k + t
                mask[top:top + 6, 4 + 3 * t:12 + 3 * t] = k + 1
            mask[0, rng.integers(0, 32)] = 255  # void
            write_id_png(str(root / 'Annotations' / '480p' / name /
                             f'{t:05d}.png'), mask)
            masks.append(mask)
        truth[name] = masks
    (root / 'ImageSets' / '2017').mkdir(parents=True)
    (root / 'ImageSets' / '2017' / 'val.txt').write_text(
        '\n'.join(s[0] for s in sequences) + '\n')
    return truth


def write_results(folder, truth, shift=1):
    for name, masks in truth.items():
        for t, mask in enumerate(masks):
            pred = np.roll(np.where(mask == 255, 0, mask), shift, axis=1)
            write_id_png(str(folder / name / f'{t:05d}.png'), pred)


def test_eval_vos_tool_writes_the_official_keys(tmp_path, run_tool):
    truth = make_davis(tmp_path / 'davis')
    write_results(tmp_path / 'res', truth)
    out = tmp_path / 'metrics.json'
    proc = run_tool(['tools/analysis_tools/eval_vos.py', '--davis-root',
                     str(tmp_path / 'davis'), '--results',
                     str(tmp_path / 'res'), '--out', str(out)])
    assert 'Global results for val' in proc.stdout and 'cat_2' in proc.stdout
    result = json.loads(out.read_text())
    for key in ('J&F-Mean', 'J-Mean', 'J-Recall', 'J-Decay', 'F-Mean',
                'F-Recall', 'F-Decay'):
        assert 0 <= result[key] <= 1 or key.endswith('Decay')
    assert [r['name'] for r in result['per_object']] == ['cat_1', 'cat_2',
                                                         'dog_1']
    assert [s['sequence'] for s in result['per_sequence']] == ['cat', 'dog']
    # the same numbers as scoring the arrays directly
    objects = []
    for name, masks in truth.items():
        preds = [np.roll(np.where(m == 255, 0, m), 1, axis=1) for m in masks]
        objects += score_sequence(name, masks, preds)
    assert result['J-Mean'] == pytest.approx(
        np.mean([np.mean(o.j) for o in objects]))


def test_perfect_results_score_one(tmp_path):
    truth = make_davis(tmp_path / 'davis')
    write_results(tmp_path / 'res', truth, shift=0)
    result = evaluate_davis_folders(str(tmp_path / 'davis'),
                                    str(tmp_path / 'res'))
    assert result['J&F-Mean'] == 1.0 and result['J-Decay'] == 0.0


@pytest.mark.parametrize('damage, message', [
    ('missing', 'cat/00002.png: file not found'),
    ('rgb', "cat/00002.png: a 'RGB' image, not an indexed"),
    ('size', r'cat/00002: prediction \(24, 31\)'),
    ('unknown_id', 'cat/00002: object id 7'),
    ('corrupt', 'cat/00002.png: not a readable image'),
])
def test_bad_results_name_the_file(tmp_path, damage, message):
    truth = make_davis(tmp_path / 'davis')
    write_results(tmp_path / 'res', truth)
    path = tmp_path / 'res' / 'cat' / '00002.png'
    if damage == 'missing':
        os.remove(path)
    elif damage == 'rgb':
        Image.new('RGB', (32, 24)).save(path)
    elif damage == 'size':
        write_id_png(str(path), np.zeros((24, 31), np.uint8))
    elif damage == 'unknown_id':
        write_id_png(str(path), np.full((24, 32), 7, np.uint8))
    else:
        path.write_bytes(b'not a png')
    with pytest.raises(VOSInputError, match=message):
        evaluate_davis_folders(str(tmp_path / 'davis'),
                               str(tmp_path / 'res'))


def test_tool_exits_2_with_the_message(tmp_path, run_tool):
    truth = make_davis(tmp_path / 'davis')
    write_results(tmp_path / 'res', truth)
    os.remove(tmp_path / 'res' / 'dog' / '00003.png')
    proc = run_tool(['tools/analysis_tools/eval_vos.py', '--davis-root',
                     str(tmp_path / 'davis'), '--results',
                     str(tmp_path / 'res')], check=False)
    assert proc.returncode == 2
    assert 'eval_vos.py: error:' in proc.stderr
    assert 'dog/00003.png: file not found' in proc.stderr


def test_grey_pngs_need_the_option(tmp_path):
    path = tmp_path / 'grey.png'
    Image.fromarray(np.ones((4, 5), np.uint8), mode='L').save(path)
    with pytest.raises(UnreadableFileError, match='--allow-grey'):
        read_id_png(str(path))
    assert read_id_png(str(path), allow_grey=True).sum() == 20


def test_missing_set_list(tmp_path):
    with pytest.raises(VOSInputError, match='ImageSets/2017/val.txt'):
        evaluate_davis_folders(str(tmp_path), str(tmp_path))
