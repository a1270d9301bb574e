# Copyright (c) mmcorr contributors. All rights reserved.
"""Checkpoints over http: a cache keyed by the whole URL, SHA-256 checks.

A throw-away server on 127.0.0.1 serves two folders that both hold a
``model.pth``.
"""
import functools
import hashlib
import importlib
import http.server
import threading

import pytest
import torch
from mmengine.runner.checkpoint import _load_checkpoint

from mmcorr.checkpoint_io import (
    CheckpointFormatError, UnsafeCheckpointError, cached_checkpoint_path,
    expected_sha256)


class _CountingHandler(http.server.SimpleHTTPRequestHandler):
    requests = []

    def do_GET(self):
        self.requests.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    root = tmp_path / 'served'
    for folder, value in (('a', 1.0), ('b', 2.0)):
        (root / folder).mkdir(parents=True)
        torch.save({'state_dict': {'w': torch.full((2, ), value)}},
                   root / folder / 'model.pth')
    _CountingHandler.requests = []
    handler = functools.partial(_CountingHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f'http://127.0.0.1:{httpd.server_address[1]}'
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def hub_dir(tmp_path):
    old = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / 'hub'))
    yield tmp_path / 'hub'
    torch.hub.set_dir(old)


def sha256_of(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_file_name_on_two_servers_is_two_downloads(server, hub_dir):
    _, url = server
    a = _load_checkpoint(f'{url}/a/model.pth')['state_dict']['w']
    b = _load_checkpoint(f'{url}/b/model.pth')['state_dict']['w']
    assert a.tolist() == [1.0, 1.0] and b.tolist() == [2.0, 2.0]
    assert _CountingHandler.requests == ['/a/model.pth', '/b/model.pth']
    _load_checkpoint(f'{url}/a/model.pth')  # cached: no new request
    assert len(_CountingHandler.requests) == 2
    assert cached_checkpoint_path(f'{url}/a/model.pth', 'x') != \
        cached_checkpoint_path(f'{url}/b/model.pth', 'x')


def test_hash_in_file_name_is_checked(server, hub_dir):
    root, url = server
    digest = sha256_of(root / 'a' / 'model.pth')
    (root / 'a' / f'model-{digest[:8]}.pth').write_bytes(
        (root / 'a' / 'model.pth').read_bytes())
    (root / 'a' / 'model-0badc0de.pth').write_bytes(
        (root / 'a' / 'model.pth').read_bytes())
    good = f'{url}/a/model-{digest[:8]}.pth'
    assert expected_sha256(good) == digest[:8]
    assert _load_checkpoint(good)['state_dict']['w'][0] == 1.0
    bad = f'{url}/a/model-0badc0de.pth'
    with pytest.raises(CheckpointFormatError, match='expected SHA-256'):
        _load_checkpoint(bad)
    assert not [p for p in hub_dir.rglob('model-0badc0de.pth')]


def test_hash_fragment_is_checked_and_a_damaged_cache_refetched(
        server, hub_dir):
    root, url = server
    digest = sha256_of(root / 'b' / 'model.pth')
    good = f'{url}/b/model.pth#sha256={digest}'
    assert _load_checkpoint(good)['state_dict']['w'][0] == 2.0
    cached = cached_checkpoint_path(good, str(hub_dir / 'checkpoints'))
    with open(cached, 'r+b') as f:  # damage the cached copy
        f.seek(100)
        f.write(b'\x00' * 16)
    assert _load_checkpoint(good)['state_dict']['w'][0] == 2.0
    assert _CountingHandler.requests == ['/b/model.pth', '/b/model.pth']
    with pytest.raises(CheckpointFormatError, match='expected SHA-256'):
        _load_checkpoint(f'{url}/a/model.pth#sha256={digest}')


def test_downloaded_files_are_loaded_safely(server, hub_dir, tmp_path):
    import os
    root, url = server

    class Attack:

        def __reduce__(self):
            return os.system, (f'touch {tmp_path / "pwned"}', )

    torch.save({'meta': Attack()}, root / 'a' / 'evil.pth')
    with pytest.raises(UnsafeCheckpointError, match='posix.system'):
        _load_checkpoint(f'{url}/a/evil.pth')
    assert not (tmp_path / 'pwned').exists()


def test_model_zoo_schemes_download_through_mmcorr():
    """open-mmlab://, torchvision:// and mmcls:// resolve to a URL and call
    mmengine's module-level load_from_http, which is mmcorr's."""
    from mmengine.runner import CheckpointLoader
    from mmengine.runner import checkpoint as mmengine_checkpoint

    from mmcorr.checkpoint_io import load_from_http
    assert mmengine_checkpoint.load_from_http is load_from_http
    assert CheckpointLoader._get_checkpoint_loader(
        'https://x/y.pth') is load_from_http


def test_torchvision_scheme_without_torchvision_says_what_to_pass():
    """torchvision does not import against this stack's CPU torch: the
    torchvision:// scheme (the SFNet-corr R101 configs) says what to pass
    instead of 'No module named torchvision'."""
    try:
        importlib.import_module('torchvision')
        pytest.skip('torchvision imports here: mmengine loads the URL')
    except Exception:
        pass
    from mmengine.runner import CheckpointLoader
    with pytest.raises(ImportError, match=r"'torchvision://resnet101' needs "
                       r'torchvision .*torchvision_resnet2mmcorr\.py IN OUT'
                       r'.*model\.backbone\.init_cfg\.checkpoint=OUT'):
        CheckpointLoader.load_checkpoint('torchvision://resnet101')
