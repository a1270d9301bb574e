# Copyright (c) mmcorr contributors. All rights reserved.
"""Checkpoints over http(s): a download cache keyed by the whole URL, and
SHA-256 checks.

mmengine (through ``torch.hub``) caches a download under its file name
alone, so two URLs ending in the same ``model.pth`` share one cache entry
and the second server is never contacted. Here each URL gets its own cache
folder, named by a hash of the URL.

A SHA-256 (prefix) is checked, on download and on every reuse of the cached
copy, when it is known from

* a ``#sha256=<hex>`` fragment on the URL (pip's convention), or
* the file name, as in the OpenMMLab / ``torch.hub`` model-zoo convention
  ``name-<at least 8 hex digits>.pth``.

The file is then loaded with :func:`mmcorr.checkpoint_io.safe_torch_load`.
"""
import hashlib
import os
import os.path as osp
import re
from typing import Any, Optional
from urllib.parse import urlsplit

from .safe_loading import CheckpointFormatError, load_checkpoint_file

__all__ = ['cached_checkpoint_path', 'expected_sha256', 'load_from_http']

#: ``name-<sha256 prefix>.ext``, as ``torch.hub.load_state_dict_from_url``.
HASH_IN_NAME = re.compile(r'-([a-f0-9]{8,64})\.[A-Za-z0-9]+$')
HASH_FRAGMENT = re.compile(r'(?:^|&)sha256=([a-fA-F0-9]{8,64})(?:&|$)')


def _strip_fragment(url: str) -> str:
    return url.split('#', 1)[0]


def cached_checkpoint_path(url: str, model_dir: str) -> str:
    """Where the download of ``url`` is cached: ``model_dir/<hash of the
    URL>/<file name>`` (the fragment is not part of the key)."""
    url = _strip_fragment(url)
    key = hashlib.sha256(url.encode('utf-8')).hexdigest()[:16]
    name = osp.basename(urlsplit(url).path) or 'checkpoint.pth'
    return osp.join(model_dir, key, name)


def expected_sha256(url: str) -> Optional[str]:
    """The SHA-256 prefix that ``url`` promises, or ``None``."""
    fragment = urlsplit(url).fragment
    match = HASH_FRAGMENT.search(fragment) if fragment else None
    if match:
        return match.group(1).lower()
    name = osp.basename(urlsplit(_strip_fragment(url)).path)
    match = HASH_IN_NAME.search(name)
    return match.group(1) if match else None


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _download(url: str, path: str, sha256: Optional[str]) -> None:
    from torch.hub import download_url_to_file
    os.makedirs(osp.dirname(path), exist_ok=True)
    try:
        download_url_to_file(
            _strip_fragment(url), path, hash_prefix=sha256, progress=False)
    except RuntimeError as error:
        if 'invalid hash value' in str(error):
            raise CheckpointFormatError(
                f'the checkpoint downloaded from {url!r} does not have the '
                f'expected SHA-256 {sha256!r} ({error}); it was not kept') \
                from None
        raise


def _fetch(url: str, path: str, sha256: Optional[str]) -> None:
    """Download unless a cached copy with the expected hash exists."""
    if osp.isfile(path):
        if sha256 is None or file_sha256(path).startswith(sha256):
            return
        os.remove(path)  # a stale or damaged copy: fetch it again
    _download(url, path, sha256)


def load_from_http(filename: str,
                   map_location=None,
                   model_dir: Optional[str] = None,
                   **kwargs) -> Any:
    """Download ``filename`` (an http(s) URL) once, check it, load it safely.

    Args:
        filename (str): The URL, optionally with ``#sha256=<hex>``.
        map_location: As in :func:`torch.load`.
        model_dir (str, optional): Cache root (default: ``torch.hub``'s
            ``checkpoints`` folder).
        **kwargs: Accepted for mmengine's signature (``progress``), unused.

    In a distributed run rank 0 downloads; the others wait and reuse it.
    """
    from mmengine.dist import barrier, get_dist_info
    from torch.hub import get_dir
    model_dir = model_dir or osp.join(get_dir(), 'checkpoints')
    path = cached_checkpoint_path(filename, model_dir)
    sha256 = expected_sha256(filename)
    rank, world_size = get_dist_info()
    if rank == 0:
        _fetch(filename, path, sha256)
    if world_size > 1:
        barrier()
        if rank > 0:
            _fetch(filename, path, sha256)
    return load_checkpoint_file(path, map_location)
