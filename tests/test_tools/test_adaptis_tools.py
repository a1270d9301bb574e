# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS end to end on generated toy data: stage 1 and stage 2 through
tools/train.py, panoptic inference and PQ through tools/test.py (all three
samplers)."""
import os.path as osp

import pytest

from mmcorr.datasets.synthetic import generate_toy_instances
from paths import REPO

TINY_MODEL = """
model = dict(
    backbone=dict(base_channels=8, max_channels=16, num_stages=2),
    instance_head=dict(channels=8, controller=dict(channels=8)),
    test_cfg=dict(max_iters=5))
"""


def tiny_config(folder, data_root, base_name, extra=''):
    base = osp.join(REPO, 'configs', 'adaptis', base_name)
    path = osp.join(folder, 'tiny_' + base_name)
    with open(path, 'w') as f:
        f.write(f"_base_ = [{base!r}]\n" + TINY_MODEL + f"""
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root={str(data_root)!r}))
test_dataloader = dict(num_workers=0,
                       dataset=dict(data_root={str(data_root)!r}))
val_dataloader = test_dataloader
train_cfg = dict(max_iters=2, val_interval=100)
param_scheduler = []
default_hooks = dict(checkpoint=dict(interval=2), logger=dict(interval=1))
""" + extra)
    return path


@pytest.fixture(scope='module')
def toy_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('toy')
    generate_toy_instances(str(root), {'train': 4, 'test': 2}, size=32,
                           objects=(2, 4))
    return root


def test_both_stages_then_panoptic_test(run_tool, tmp_path, toy_root):
    stage1 = tiny_config(str(tmp_path), toy_root,
                         'adaptis_toy-unet_1xb8-160e_toy-v2.py')
    run_tool(['tools/train.py', stage1, '--work-dir',
              str(tmp_path / 's1')])
    ckpt1 = tmp_path / 's1' / 'iter_2.pth'
    assert ckpt1.is_file()
    stage2 = tiny_config(str(tmp_path), toy_root,
                         'adaptis_toy-unet_1xb8-10e-proposals_toy-v2.py',
                         f'load_from = {str(ckpt1)!r}\n')
    proc = run_tool(['tools/train.py', stage2, '--work-dir',
                     str(tmp_path / 's2')])
    assert 'loss_proposal' in proc.stdout + proc.stderr
    ckpt2 = str(tmp_path / 's2' / 'iter_2.pth')
    for sampler in ('proposals', 'random', 'components'):
        proc = run_tool([
            'tools/test.py', stage2, ckpt2, '--work-dir',
            str(tmp_path / f'test_{sampler}'), '--cfg-options',
            f'model.test_cfg.sampler={sampler}'
        ])
        assert 'PQ_th' in proc.stdout + proc.stderr


def test_demo_and_api_on_an_untrained_model(run_tool, tmp_path, toy_root):
    config = tiny_config(str(tmp_path), toy_root,
                         'adaptis_toy-unet_1xb8-10e-proposals_toy-v2.py')
    image = sorted((toy_root / 'test').glob('*_rgb.png'))[0]
    out = tmp_path / 'demo'
    proc = run_tool(['demo/instance_points_demo.py', config, 'none',
                     str(image), '--out-dir', str(out), '--points', '3,4',
                     '10,20', '--no-flip'])
    assert 'point masks written' in proc.stdout
    for name in ('point_0.png', 'point_1.png', 'points.png',
                 'instances.png', 'panoptic.png'):
        assert (out / name).is_file()
    proc = run_tool(['demo/instance_points_demo.py', config, 'none',
                     str(image), '--out-dir', str(out), '--points', '40,4'],
                    check=False)
    assert proc.returncode == 2 and 'outside' in proc.stderr
    proc = run_tool(['demo/instance_points_demo.py', config, 'none',
                     str(tmp_path / 'missing.png'), '--out-dir', str(out)],
                    check=False)
    assert proc.returncode == 2 and 'missing.png' in proc.stderr
    assert 'does not exist' in proc.stderr


def test_api_takes_a_pathlib_path_and_any_image_size(tmp_path, toy_root):
    """segment_instances on a pathlib.Path, and on a 451 x 300 photograph
    (skimage's chelsea size: the toy U-Net's crop failed on it)."""
    import pathlib

    import cv2
    import numpy as np

    from mmcorr.apis import init_model, segment_instances
    config = tiny_config(str(tmp_path), toy_root,
                         'adaptis_toy-unet_1xb8-10e-proposals_toy-v2.py')
    model = init_model(config, None)
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (300, 451, 3), dtype=np.uint8)
    path = tmp_path / 'chelsea_sized.png'
    cv2.imwrite(str(path), photo)
    result = segment_instances(model, pathlib.Path(path),
                               points=[(10.0, 20.0)])
    assert result['point_masks'].shape == (1, 300, 451)
