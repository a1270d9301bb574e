# Copyright (c) mmcorr contributors. All rights reserved.
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
HELPERS = osp.join(REPO, 'tests', 'helpers')
TINY_FPN = osp.join(REPO, 'tests', 'data', 'configs', 'tiny_fpn.py')

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


@pytest.fixture(scope='session')
def tiny_fpn_config():
    return TINY_FPN


@pytest.fixture(scope='session')
def shape_scenes_root(tmp_path_factory):
    """A tiny ShapeScenes (12 train / 4 val, 64x64), generated once."""
    from mmcorr.datasets.synthetic import generate_shape_scenes
    root = str(tmp_path_factory.mktemp('shape_scenes'))
    generate_shape_scenes(root, num_train=12, num_val=4, height=64, width=64)
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
