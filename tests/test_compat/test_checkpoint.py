# Copyright (c) mmcorr contributors. All rights reserved.
import argparse
import os
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner.checkpoint import _load_checkpoint

from mmcorr.compat import (UnsafeCheckpointError, safe_torch_load,
                           set_unsafe_checkpoint_loading)


class _RunsCodeOnLoad:
    """Unpickling this calls ``os.system`` (a classic checkpoint attack)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


@pytest.fixture
def unsafe_off():
    set_unsafe_checkpoint_loading(False)
    yield
    set_unsafe_checkpoint_loading(False)


def real_optimizer_and_scheduler_states():
    """What mmengine saves for Adam and the schedulers of mmcorr's configs
    (MultiStepLR keeps its milestones as a ``collections.Counter``)."""
    from mmengine.optim import LinearLR, MultiStepLR, PolyLR
    param = torch.nn.Parameter(torch.ones(2))
    optimizer = torch.optim.Adam([param], lr=1e-3)
    schedulers = [LinearLR(optimizer, start_factor=0.1, end=2),
                  MultiStepLR(optimizer, milestones=[3], gamma=0.2),
                  PolyLR(optimizer, eta_min=1e-4, power=0.9, end=5)]
    param.sum().backward()
    optimizer.step()
    for scheduler in schedulers:
        scheduler.step()
    return optimizer.state_dict(), [s.state_dict() for s in schedulers]


def mmengine_like_checkpoint():
    optimizer, schedulers = real_optimizer_and_scheduler_states()
    hub = MessageHub('test_checkpoint_hub')
    for i in range(3):
        hub.update_scalar('train/loss', 1.0 / (i + 1))
    hub.update_info('iter', 3)
    return {
        'meta': {'seed': 0, 'iter': 3, 'epoch': 0, 'dataset_meta': {
            'classes': ('a', 'b'), 'palette': [[0, 0, 0], [1, 2, 3]]},
            'np_scalar': np.float64(0.5), 'np_int': np.int64(3),
            'np_array': np.arange(4, dtype=np.float32)},
        'state_dict': OrderedDict(w=torch.randn(2, 3),
                                  b=torch.zeros(2, dtype=torch.float16)),
        'optimizer': optimizer,
        'message_hub': hub.state_dict(),
        'param_schedulers': schedulers,
    }


def test_mmengine_checkpoint_loads_safely(tmp_path, unsafe_off):
    ckpt = mmengine_like_checkpoint()
    path = str(tmp_path / 'ckpt.pth')
    torch.save(ckpt, path)
    with pytest.raises(Exception):  # what torch>=2.6 does on its own
        torch.load(path)
    loaded = _load_checkpoint(path, map_location='cpu')
    assert torch.equal(loaded['state_dict']['w'], ckpt['state_dict']['w'])
    assert loaded['state_dict']['b'].dtype == torch.float16
    assert loaded['meta']['np_scalar'] == 0.5
    np.testing.assert_array_equal(loaded['meta']['np_array'], np.arange(4))
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx((1 + 1 / 2 + 1 / 3) / 3)
    assert loaded['param_schedulers'] == ckpt['param_schedulers']
    assert torch.equal(loaded['optimizer']['state'][0]['exp_avg'],
                       ckpt['optimizer']['state'][0]['exp_avg'])


def test_code_executing_checkpoint_is_refused(tmp_path, unsafe_off):
    marker = tmp_path / 'pwned'
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'meta': _RunsCodeOnLoad(marker)}, path)
    with pytest.raises(UnsafeCheckpointError, match='system'):
        _load_checkpoint(path, map_location='cpu')
    assert not marker.exists()


def test_restricted_getattr_refuses_other_attributes(tmp_path, unsafe_off):

    class GetattrAttack:

        def __reduce__(self):  # allowed class, forbidden attribute
            return getattr, (HistoryBuffer, '__init_subclass__')

    path = str(tmp_path / 'getattr.pth')
    torch.save({'x': GetattrAttack()}, path)
    with pytest.raises(UnsafeCheckpointError, match='__init_subclass__'):
        safe_torch_load(path)


def test_unsafe_loading_is_an_explicit_opt_in(tmp_path, unsafe_off):
    path = str(tmp_path / 'namespace.pth')
    torch.save({'args': argparse.Namespace(lr=0.1)}, path)
    with pytest.raises(UnsafeCheckpointError, match='argparse.Namespace'):
        safe_torch_load(path)
    with pytest.warns(UserWarning, match='arbitrary code'):
        set_unsafe_checkpoint_loading(True)
    assert safe_torch_load(path)['args'].lr == 0.1


def test_missing_checkpoint_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        _load_checkpoint(str(tmp_path / 'nope.pth'))


def test_test_tool_refuses_malicious_checkpoint(run_tool, tiny_fpn_config,
                                                shape_scenes_root, tmp_path):
    marker = tmp_path / 'pwned'
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'meta': _RunsCodeOnLoad(marker)}, path)
    proc = run_tool([
        'tools/test.py', tiny_fpn_config, path, '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        f'test_dataloader.dataset.data_root={shape_scenes_root}'
    ], check=False)
    assert proc.returncode != 0
    assert 'UnsafeCheckpointError' in proc.stderr
    assert not marker.exists()
