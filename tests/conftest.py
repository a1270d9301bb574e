# Copyright (c) mmcorr contributors. All rights reserved.
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
HELPERS = osp.join(REPO, 'tests', 'helpers')
#: Overrides that turn an embedded-data config into a test-sized one: 64x64
#: crops, batch 2, 12 iterations, no worker processes, BN, no dropout (so that
#: runs are bit-for-bit repeatable). data_root is set with --cfg-options.
TINY_OVERRIDES = '''
crop_size = (64, 64)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(dropout_ratio=0.0, norm_cfg=norm_cfg))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCheckedAnnotations'),
    dict(
        type='RandomResize',
        scale=(64, 64),
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.9),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 64), keep_ratio=True),
    dict(type='LoadCheckedAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=12,
         by_epoch=False)
]
train_cfg = dict(max_iters=12, val_interval=12)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=2, max_keep_ckpts=-1))
'''

# test helpers (registry probes, hooks) are plain modules on sys.path
if HELPERS not in sys.path:
    sys.path.insert(0, HELPERS)


@pytest.fixture(autouse=True)
def seeded():
    """Every test starts from the same random state."""
    import numpy as np
    import torch
    torch.manual_seed(0)
    np.random.seed(0)


@pytest.fixture(autouse=True)
def mmcorr_default_scope():
    """Each test runs with ``mmcorr`` as default scope, as configs do."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmcorr'):
        yield


@pytest.fixture(scope='session')
def repo_root():
    return REPO


def write_tiny_config(config: str, folder: str) -> str:
    """A test-sized copy of ``config`` (a path relative to the repo)."""
    name = osp.splitext(osp.basename(config))[0]
    path = osp.join(folder, f'tiny_{name}.py')
    with open(path, 'w') as f:
        f.write(f"_base_ = '{osp.join(REPO, config)}'\n{TINY_OVERRIDES}")
    return path


@pytest.fixture(scope='session')
def tiny_config(tmp_path_factory):
    """``tiny_config('configs/x/y.py')`` -> path of its test-sized copy."""
    folder = str(tmp_path_factory.mktemp('tiny_configs'))
    return lambda config: write_tiny_config(config, folder)


@pytest.fixture(scope='session')
def tiny_fpn_config(tiny_config):
    return tiny_config('configs/fpn/fpn_r18-w32_1xb8-2k_shape-scenes-128x128.py')


@pytest.fixture(scope='session')
def shape_scenes_root(tmp_path_factory):
    """A tiny ShapeScenes (12 train / 4 val, 64x64), generated once."""
    from mmcorr.datasets.synthetic import generate_shape_scenes
    root = str(tmp_path_factory.mktemp('shape_scenes'))
    generate_shape_scenes(root, num_train=12, num_val=4, height=64, width=64)
    return root


@pytest.fixture(scope='session')
def photo_objects_root(tmp_path_factory):
    """A tiny PhotoObjects (12 training images, 4 held-out pairs)."""
    from mmcorr.datasets.synthetic import generate_photo_objects
    root = str(tmp_path_factory.mktemp('photo_objects'))
    generate_photo_objects(root, num_train=12, num_pairs=4, size=96,
                           pair_scale=80, num_points=10)
    return root


@pytest.fixture(scope='session')
def run_tool():
    """Run a repo script in a subprocess; returns the CompletedProcess."""

    def _run(args, check=True, timeout=300, env=None):
        full_env = dict(os.environ)
        full_env['PYTHONPATH'] = os.pathsep.join(
            [REPO, HELPERS, full_env.get('PYTHONPATH', '')])
        full_env.setdefault('OMP_NUM_THREADS', '1')
        full_env.update(env or {})
        proc = subprocess.run([sys.executable, *args], cwd=REPO,
                              env=full_env, capture_output=True, text=True,
                              timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(
                f'{args} exited with {proc.returncode}\n--- stdout\n'
                f'{proc.stdout[-5000:]}\n--- stderr\n{proc.stderr[-5000:]}')
        return proc

    return _run
