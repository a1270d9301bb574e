# Copyright (c) mmcorr contributors. All rights reserved.
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
HELPERS = osp.join(REPO, 'tests', 'helpers')
#: The side of every image in a test-sized config.
TINY_SIDE = 64
#: Transform arguments that are image sizes ``(W, H)``.
SIZE_KEYS = ('scale', 'crop_size')
#: Everything but the sizes that makes a config test-sized: batch 2, 12
#: iterations, no worker processes, checkpoints every 2 iterations.
TINY_SCHEDULE = {
    'train_dataloader.batch_size': 2,
    'train_cfg.max_iters': 12,
    'train_cfg.val_interval': 12,
    'default_hooks.logger.interval': 1,
    'default_hooks.checkpoint.interval': 2,
    'default_hooks.checkpoint.max_keep_ckpts': -1,
}
#: For segmentors: BN instead of SyncBN and no dropout, so that runs are
#: bit-for-bit repeatable on a CPU.
TINY_SEGMENTOR = {
    'model.backbone.norm_cfg': dict(type='BN', requires_grad=True),
    'model.decode_head.norm_cfg': dict(type='BN', requires_grad=True),
    'model.decode_head.dropout_ratio': 0.0,
}


def shrink_sizes(node, side: int = TINY_SIDE):
    """Set every image size of a config subtree (transform ``scale`` /
    ``crop_size`` pairs, a data preprocessor's ``size``) to ``side``."""
    if isinstance(node, dict):
        for key, value in node.items():
            is_pair = isinstance(value, (tuple, list)) and len(value) == 2 \
                and all(isinstance(v, int) for v in value)
            if is_pair and key in SIZE_KEYS:
                node[key] = (side, side)
            else:
                shrink_sizes(value, side)
    elif isinstance(node, (list, tuple)):
        for item in node:
            shrink_sizes(item, side)
    return node


def tiny_cfg(config: str):
    """A test-sized :class:`mmengine.Config` of ``config`` (repo path): the
    same pipelines with small sizes, a short schedule, no workers."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, config))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if loader:
            shrink_sizes(loader.dataset.get('pipeline', []))
            loader.num_workers = 0
            loader.persistent_workers = False
    preprocessor = cfg.model.get('data_preprocessor') or {}
    if preprocessor.get('size') is not None:
        preprocessor.size = (TINY_SIDE, TINY_SIDE)
    if cfg.model.get('input_size') is not None:  # co-saliency models
        cfg.model.input_size = (TINY_SIDE, TINY_SIDE)
    options = dict(TINY_SCHEDULE)
    if cfg.model.get('decode_head') is not None:
        options.update(TINY_SEGMENTOR)
        options['param_scheduler'] = [
            dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=12,
                 by_epoch=False)
        ]
    cfg.merge_from_dict(
        {k: v for k, v in options.items()
         if cfg.get(k.split('.')[0]) is not None})
    return cfg


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
    """A test-sized copy of ``config`` (a path relative to the repo),
    written as a full config file (:func:`tiny_cfg`)."""
    name = osp.splitext(osp.basename(config))[0]
    path = osp.join(folder, f'tiny_{name}.py')
    tiny_cfg(config).dump(path)
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
def photo_groups_root(tmp_path_factory):
    """A tiny PhotoGroups (15 training and 4 test groups of 3, 64x64)."""
    from mmcorr.datasets.synthetic import generate_photo_groups
    root = str(tmp_path_factory.mktemp('photo_groups'))
    generate_photo_groups(root, train_groups=1, test_groups=1, group_size=3,
                          size=64)
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
