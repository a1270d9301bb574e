# Copyright (c) mmcorr contributors. All rights reserved.
"""``package://`` names resolve to files of installed packages and load
through mmengine's CheckpointLoader (mmcorr's safe loader)."""
import os.path as osp

import pytest
import torch
from mmengine.runner import CheckpointLoader

from mmcorr.checkpoint_io import (install_checkpoint_loaders,
                                  resolve_package_path)


def test_resolves_a_file_a_package_ships():
    path = resolve_package_path('package://mmcorr/version.py')
    assert osp.isfile(path) and path.endswith(osp.join('mmcorr',
                                                       'version.py'))
    assert resolve_package_path('plain/path.pth') == 'plain/path.pth'


@pytest.mark.parametrize('name,error,words', [
    ('package://', ValueError, 'expected package://'),
    ('package://mmcorr', ValueError, 'expected package://'),
    ('package://no_such_pkg_abc/w.pth', ModuleNotFoundError, 'not installed'),
    ('package://mmcorr/missing/w.pth', FileNotFoundError, 'missing/w.pth'),
])
def test_bad_names_are_explained(name, error, words):
    with pytest.raises(error, match=words):
        resolve_package_path(name)


def test_checkpoint_loader_reads_package_files(monkeypatch, tmp_path):
    pkg = tmp_path / 'tiny_weights_pkg'
    (pkg / 'models').mkdir(parents=True)
    (pkg / '__init__.py').write_text('')
    torch.save({'w': torch.arange(3.)}, pkg / 'models' / 'w.pth')
    monkeypatch.syspath_prepend(str(tmp_path))
    install_checkpoint_loaders()  # as import mmcorr does: package://
    state = CheckpointLoader.load_checkpoint(
        'package://tiny_weights_pkg/models/w.pth', map_location='cpu')
    assert torch.equal(state['w'], torch.arange(3.))
