# Copyright (c) mmcorr contributors. All rights reserved.
"""Safe checkpoint loading: every format torch can open, every path."""
import argparse
import io
import pickle
import tarfile
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import CheckpointLoader
from mmengine.runner.checkpoint import _load_checkpoint, load_checkpoint

from mmcorr.checkpoint_io import (
    CheckpointFormatError, UnsafeCheckpointError, checkpoint_format,
    load_checkpoint_file, safe_torch_load, set_unsafe_checkpoint_loading)
from hostile import RunsCodeOnLoad, reset_unsafe_loading


@pytest.fixture
def unsafe_off():
    yield from reset_unsafe_loading()


# ------------------------------------------------------- hostile files
def write_raw_pickle(path, marker):
    with open(path, 'wb') as f:
        pickle.dump(RunsCodeOnLoad(marker), f, protocol=2)


def write_legacy(path, marker):
    torch.save({'state_dict': {}, 'meta': RunsCodeOnLoad(marker)}, path,
               _use_new_zipfile_serialization=False)


def write_zip(path, marker):
    torch.save({'state_dict': {}, 'meta': RunsCodeOnLoad(marker)}, path)


def write_legacy_tar(path, marker):
    """torch < 0.4's tar layout; its ``storages`` record runs code."""
    members = {'storages': pickle.dumps(RunsCodeOnLoad(marker), protocol=2),
               'tensors': pickle.dumps(0, protocol=2),
               'pickle': pickle.dumps({}, protocol=2)}
    with tarfile.open(path, 'w:', format=tarfile.PAX_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


class _Scripted(torch.nn.Module):

    def forward(self, x):
        return x + 1


def write_torchscript(path, marker):
    torch.jit.save(torch.jit.script(_Scripted()), path)


HOSTILE = {
    'raw-pickle': write_raw_pickle,
    'legacy': write_legacy,
    'legacy-tar': write_legacy_tar,
    'zip': write_zip,
    'torchscript': write_torchscript,
}


@pytest.fixture
def jit_load_spy(monkeypatch):
    """Records every call of ``torch.jit.load`` (how torch runs a
    TorchScript archive's code)."""
    calls = []
    real = torch.jit.load

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(torch.jit, 'load', spy)
    return calls


LOADERS = {
    'safe_torch_load': lambda p: safe_torch_load(p),
    'mmengine _load_checkpoint': lambda p: _load_checkpoint(p),
    'CheckpointLoader': lambda p: CheckpointLoader.load_checkpoint(p),
    'load_checkpoint': lambda p: load_checkpoint(torch.nn.Linear(1, 1), p),
}


@pytest.mark.parametrize('loader', sorted(LOADERS))
@pytest.mark.parametrize('fmt', sorted(HOSTILE))
def test_hostile_file_is_refused_in_every_format(fmt, loader, tmp_path,
                                                 unsafe_off, jit_load_spy):
    marker = tmp_path / 'pwned'
    path = str(tmp_path / f'{fmt}.pth')
    HOSTILE[fmt](path, marker)
    with pytest.raises(UnsafeCheckpointError,
                       match='refusing to load checkpoint'):
        LOADERS[loader](path)
    assert not marker.exists()
    assert not jit_load_spy


@pytest.mark.parametrize('fmt', ['raw-pickle', 'legacy', 'legacy-tar', 'zip'])
def test_hostile_files_do_run_code_when_unsafe_is_opted_in(
        fmt, tmp_path, unsafe_off):
    """The side effect the tests look for is real: with the opt-in, torch
    executes these files (and the loader may fail afterwards)."""
    marker = tmp_path / 'pwned'
    path = str(tmp_path / f'{fmt}.pth')
    HOSTILE[fmt](path, marker)
    with pytest.warns(UserWarning, match='arbitrary code'):
        set_unsafe_checkpoint_loading(True)
    try:
        safe_torch_load(path)
    except Exception:
        pass
    assert marker.exists()


def test_torchscript_goes_to_jit_only_when_opted_in(tmp_path, unsafe_off,
                                                    jit_load_spy):
    path = str(tmp_path / 'scripted.pt')
    write_torchscript(path, None)
    assert checkpoint_format(path) == 'torchscript'
    with pytest.raises(UnsafeCheckpointError, match='TorchScript archive'):
        safe_torch_load(path)
    assert not jit_load_spy
    with pytest.warns(UserWarning):
        set_unsafe_checkpoint_loading(True)
    module = safe_torch_load(path)
    assert jit_load_spy and module(torch.zeros(1)).item() == 1


def test_formats_are_named(tmp_path):
    for fmt, expected in (('legacy', 'pickle'), ('raw-pickle', 'pickle'),
                          ('zip', 'zip'), ('legacy-tar', 'tar'),
                          ('torchscript', 'torchscript')):
        path = str(tmp_path / f'{fmt}.pth')
        HOSTILE[fmt](path, tmp_path / 'unused')
        assert checkpoint_format(path) == expected, fmt


# ---------------------------------------------------- HistoryBuffer table
def test_history_buffer_statistics_cannot_be_retargeted(tmp_path,
                                                        unsafe_off):
    """Only allow-listed types, but the state maps ``mean`` to ``max``:
    mmengine's ``__setstate__`` would change ``mean`` for every buffer of
    the process."""
    buffer = HistoryBuffer([1.0, 3.0], [1, 1])
    table = HistoryBuffer._statistics_methods
    table['mean'] = HistoryBuffer.max
    try:
        torch.save({'message_hub': {'log_scalars': {'loss': buffer}}},
                   tmp_path / 'hub.pth')
    finally:
        table['mean'] = HistoryBuffer.mean
    with pytest.raises(UnsafeCheckpointError, match="'mean' to 'max'"):
        safe_torch_load(str(tmp_path / 'hub.pth'))
    assert HistoryBuffer._statistics_methods['mean'] is HistoryBuffer.mean
    assert HistoryBuffer([1.0, 3.0], [1, 1]).mean() == 2.0


def test_restored_history_buffer_is_a_plain_history_buffer(
        tmp_path, unsafe_off):
    buffer = HistoryBuffer([1.0, 2.0, 6.0], [1, 1, 1], max_length=7)
    torch.save({'b': buffer}, tmp_path / 'b.pth')
    loaded = safe_torch_load(str(tmp_path / 'b.pth'))['b']
    assert type(loaded) is HistoryBuffer
    assert loaded.max_length == 7 and loaded.mean() == 3.0
    assert loaded.statistics('max') == 6.0
    loaded.update(10.0)
    assert loaded.current() == 10.0


def test_restricted_getattr_refuses_other_attributes(tmp_path, unsafe_off):

    class GetattrAttack:

        def __reduce__(self):  # allowed class, forbidden attribute
            return getattr, (HistoryBuffer, '__init_subclass__')

    path = str(tmp_path / 'getattr.pth')
    torch.save({'x': GetattrAttack()}, path)
    with pytest.raises(UnsafeCheckpointError, match='__init_subclass__'):
        safe_torch_load(path)


# ----------------------------------------------------- legitimate files
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
        'random_states': [{'python': __import__('random').getstate(),
                           'numpy': np.random.get_state(),
                           'torch': torch.get_rng_state()}],
    }


@pytest.mark.parametrize('zip_format', [True, False])
def test_mmengine_checkpoint_loads_safely(tmp_path, unsafe_off, zip_format):
    ckpt = mmengine_like_checkpoint()
    path = str(tmp_path / 'ckpt.pth')
    torch.save(ckpt, path, _use_new_zipfile_serialization=zip_format)
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
    state = loaded['random_states'][0]
    assert torch.equal(state['torch'], ckpt['random_states'][0]['torch'])
    np.testing.assert_array_equal(state['numpy'][1],
                                  ckpt['random_states'][0]['numpy'][1])


@pytest.mark.parametrize('zip_format', [True, False])
def test_official_style_state_dicts_load(tmp_path, unsafe_off, zip_format):
    """What the official repositories saved (torch 1.x): bare or wrapped
    OrderedDicts of tensors, Parameters, shared views, an epoch number."""
    weight = torch.nn.Parameter(torch.randn(4, 3))
    state = OrderedDict([('conv.weight', weight.data),
                         ('conv.view', weight.data[1:3]),
                         ('bn.num_batches_tracked', torch.tensor(5))])
    for payload in (state, {'state_dict': state, 'epoch': 3,
                            'best_pck': 0.7}):
        path = str(tmp_path / 'official.pth')
        torch.save(payload, path, _use_new_zipfile_serialization=zip_format)
        loaded = load_checkpoint_file(path)
        sd = loaded.get('state_dict', loaded)
        assert torch.equal(sd['conv.view'], weight.data[1:3])


def test_unsafe_loading_is_an_explicit_opt_in(tmp_path, unsafe_off):
    path = str(tmp_path / 'namespace.pth')
    torch.save({'args': argparse.Namespace(lr=0.1)}, path)
    with pytest.raises(UnsafeCheckpointError, match='argparse.Namespace'):
        safe_torch_load(path)
    with pytest.warns(UserWarning, match='arbitrary code'):
        set_unsafe_checkpoint_loading(True)
    assert safe_torch_load(path)['args'].lr == 0.1


# ------------------------------------------------------- unreadable files
def _write(path, data: bytes):
    with open(path, 'wb') as f:
        f.write(data)
    return str(path)


def test_unreadable_files_name_the_file_and_the_problem(tmp_path):
    good = tmp_path / 'good.pth'
    torch.save({'state_dict': {'w': torch.ones(64, 64)}}, good)
    data = good.read_bytes()
    legacy = tmp_path / 'legacy_good.pth'
    torch.save({'w': torch.ones(64, 64)}, legacy,
               _use_new_zipfile_serialization=False)
    cases = {
        'empty': (b'', 'is empty'),
        'text': (b'this is not a checkpoint\n', 'holds text'),
        'random': (np.random.default_rng(0).bytes(4096), 'holds data'),
        'truncated': (data[:len(data) // 2], 'truncated or corrupt zip'),
        'truncated_legacy': (legacy.read_bytes()[:-100], 'corrupt|EOF'),
    }
    for name, (content, message) in cases.items():
        path = _write(tmp_path / f'{name}.pth', content)
        with pytest.raises(CheckpointFormatError, match=message) as info:
            _load_checkpoint(path)
        assert path in str(info.value), name


def test_missing_checkpoint_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        _load_checkpoint(str(tmp_path / 'nope.pth'))
    with pytest.raises(IsADirectoryError, match='directory'):
        _load_checkpoint(str(tmp_path))


# ------------------------------------------------------------- the tools
@pytest.mark.parametrize('fmt', sorted(HOSTILE))
def test_test_tool_refuses_hostile_checkpoints(fmt, run_tool,
                                               tiny_fpn_config,
                                               shape_scenes_root, tmp_path):
    marker = tmp_path / 'pwned'
    path = str(tmp_path / 'evil.pth')
    HOSTILE[fmt](path, marker)
    proc = run_tool([
        'tools/test.py', tiny_fpn_config, path, '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        f'test_dataloader.dataset.data_root={shape_scenes_root}'
    ], check=False)
    assert proc.returncode != 0
    assert 'UnsafeCheckpointError' in proc.stderr
    assert not marker.exists()


CONVERTERS = ['sfsegnet2mmcorr.py', 'alignseg2mmcorr.py',
              'sfnet_corr2mmcorr.py', 'torchvision_resnet2mmcorr.py']


@pytest.mark.parametrize('converter,fmt', zip(
    CONVERTERS, ['legacy', 'legacy-tar', 'raw-pickle', 'zip']))
def test_converters_refuse_hostile_checkpoints(converter, fmt, run_tool,
                                               tmp_path):
    marker = tmp_path / 'pwned'
    path = str(tmp_path / 'evil.pth')
    HOSTILE[fmt](path, marker)
    proc = run_tool([f'tools/model_converters/{converter}', path,
                     str(tmp_path / 'out.pth')], check=False)
    assert proc.returncode != 0
    assert 'UnsafeCheckpointError' in proc.stderr, proc.stderr[-2000:]
    assert not marker.exists()
    assert not (tmp_path / 'out.pth').exists()
