# Copyright (c) mmcorr contributors. All rights reserved.
"""``import mmcorr`` installs the safe loaders into mmengine; the
environment switch and :func:`restore_mmengine_checkpoint_loaders` keep or
put back mmengine's own."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.runner import CheckpointLoader

from mmcorr.checkpoint_io import (SAFE_LOADER_ENV, install_checkpoint_loaders,
                                  load_checkpoint_file,
                                  restore_mmengine_checkpoint_loaders)

WHICH_LOADER = (
    'import mmcorr; from mmengine.runner import CheckpointLoader; '
    'print(CheckpointLoader._get_checkpoint_loader("w.pth").__module__)')


def _local_loader_module(env_value):
    env = dict(os.environ)
    env.pop(SAFE_LOADER_ENV, None)
    if env_value is not None:
        env[SAFE_LOADER_ENV] = env_value
    result = subprocess.run([sys.executable, '-c', WHICH_LOADER], env=env,
                            capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


def test_import_installs_unless_switched_off():
    assert _local_loader_module(None) == 'mmcorr.checkpoint_io.safe_loading'
    assert _local_loader_module('0') == 'mmengine.runner.checkpoint'


def test_restore_puts_back_mmengine_loaders(tmp_path):
    path = tmp_path / 'with_numpy.pth'
    torch.save({'meta': {'seed': np.int64(3)}, 'w': torch.ones(2)}, path)
    ours = CheckpointLoader._get_checkpoint_loader(str(path))
    assert ours is load_checkpoint_file
    try:
        restore_mmengine_checkpoint_loaders()
        theirs = CheckpointLoader._get_checkpoint_loader(str(path))
        assert theirs is not load_checkpoint_file
        assert theirs.__module__ == 'mmengine.runner.checkpoint'
        restore_mmengine_checkpoint_loaders()  # a no-op the second time
    finally:
        assert install_checkpoint_loaders()
    assert CheckpointLoader._get_checkpoint_loader(str(path)) is ours
    state = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert state['meta']['seed'] == 3


@pytest.mark.parametrize('value', ['0', 'false', 'no'])
def test_switch_values_read_as_off(monkeypatch, value):
    monkeypatch.setenv(SAFE_LOADER_ENV, value)
    try:
        restore_mmengine_checkpoint_loaders()
        assert not install_checkpoint_loaders()
        assert install_checkpoint_loaders(force=True)
    finally:
        install_checkpoint_loaders(force=True)
