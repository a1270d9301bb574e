# Copyright (c) mmcorr contributors. All rights reserved.
"""demo/cosaliency_demo.py on a tiny random-weight ICNet (64 x 64): one
group folder -> a grey map and an overlay per image, at its size."""
import importlib.util
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from correspondence_fixtures import write_config
from paths import REPO

DEMO = osp.join(REPO, 'demo', 'cosaliency_demo.py')
ICNET = osp.join(REPO, 'configs', 'icnet',
                 'icnet_vgg16_1xg10-60e_coco9213-224x224.py')
#: image files of the group and their sizes (H, W)
GROUP = {'b_cat.jpg': (40, 72), 'a_cat.png': (66, 50)}


@pytest.fixture(scope='module')
def demo():
    spec = importlib.util.spec_from_file_location('cosaliency_demo', DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def icnet_config(tmp_path):
    return write_config(
        tmp_path, 'tiny_icnet',
        f'_base_ = [{ICNET!r}]\n'
        'model = dict(input_size=(64, 64), backbone=dict(init_cfg=None))\n'
        'test_pipeline = [dict(type="ForEachView", transforms=['
        'dict(type="LoadCheckedImage"), dict(type="LoadSaliencyMap"), '
        'dict(type="RecordedResize", scale=(64, 64), keep_ratio=False)]), '
        'dict(type="PackMultiViewInputs", extra_inputs=("sism", ))]\n')


@pytest.fixture
def group_dirs(tmp_path):
    images, sisms = tmp_path / 'images', tmp_path / 'sisms'
    images.mkdir()
    sisms.mkdir()
    rng = np.random.default_rng(0)
    for name, shape in GROUP.items():
        cv2.imwrite(str(images / name),
                    rng.integers(0, 256, shape + (3, ), dtype=np.uint8))
        sism = np.zeros(shape, np.uint8)
        sism[shape[0] // 4:shape[0] // 2, shape[1] // 4:shape[1] // 2] = 255
        cv2.imwrite(str(sisms / (osp.splitext(name)[0] + '.png')), sism)
    (images / 'notes.txt').write_text('not an image')
    return str(images), str(sisms)


def check_outputs(out_dir):
    assert sorted(os.listdir(out_dir)) == [
        'a_cat.png', 'a_cat_overlay.png', 'b_cat.png', 'b_cat_overlay.png']
    for name, shape in GROUP.items():
        stem = osp.splitext(name)[0]
        grey = cv2.imread(osp.join(out_dir, f'{stem}.png'),
                          cv2.IMREAD_UNCHANGED)
        assert grey.dtype == np.uint8 and grey.shape == shape
        overlay = cv2.imread(osp.join(out_dir, f'{stem}_overlay.png'))
        assert overlay.shape == shape + (3, )


def test_demo_writes_maps_and_overlays(run_tool, icnet_config, group_dirs,
                                       tmp_path):
    images, sisms = group_dirs
    out_dir = str(tmp_path / 'out')
    proc = run_tool([DEMO, icnet_config, 'none', '--img-dir', images,
                     '--sism-dir', sisms, '--out-dir', out_dir])
    check_outputs(out_dir)
    assert "WARNING: CHECKPOINT is 'none'" in proc.stdout
    for stem in ('a_cat', 'b_cat'):
        assert f'wrote {osp.join(out_dir, stem)}.png' in proc.stdout
        assert f'wrote {osp.join(out_dir, stem)}_overlay.png' in proc.stdout


def test_demo_frequency_tuned_sisms(demo, icnet_config, group_dirs,
                                    tmp_path, capsys):
    """--sism-model ft: no SISM folder, the model makes them."""
    out_dir = str(tmp_path / 'ft')
    with pytest.warns(UserWarning, match='meaningless'):
        assert demo.main([icnet_config, 'none', '--img-dir', group_dirs[0],
                          '--sism-model', 'ft', '--out-dir', out_dir]) == 0
    check_outputs(out_dir)
    assert '2 images' in capsys.readouterr().out


def test_demo_overlay_is_red_where_salient(demo):
    image = np.full((2, 3, 3), 100, np.uint8)
    saliency = np.zeros((2, 3), np.float32)
    saliency[0, 0] = 1
    out = demo.overlay(image, saliency)
    assert out[0, 0].tolist() == [40, 40, 193]  # 100 * 0.4 + 255 * 0.6
    assert (out[1] == 100).all()


def test_demo_errors(demo, icnet_config, group_dirs, tmp_path):
    images, sisms = group_dirs
    os.remove(osp.join(sisms, 'b_cat.png'))
    args = [icnet_config, 'none', '--img-dir', images, '--out-dir',
            str(tmp_path / 'out')]
    with pytest.raises(SystemExit, match=r"no saliency map for \['b_cat'\]"):
        demo.main(args + ['--sism-dir', sisms])
    with pytest.raises(SystemExit, match='no .jpg'):
        demo.main([icnet_config, 'none', '--img-dir', str(tmp_path),
                   '--out-dir', str(tmp_path / 'out')])
    with pytest.raises(SystemExit, match='missing.pth'):
        demo.main([icnet_config, str(tmp_path / 'missing.pth'),
                   *args[2:], '--sism-model', 'ft'])
    with pytest.warns(UserWarning, match='meaningless'):
        with pytest.raises(SystemExit, match='--sism-dir DIR or '
                           '--sism-model ft'):
            demo.main(args)
    assert not osp.exists(tmp_path / 'out')
