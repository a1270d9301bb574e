# Copyright (c) mmcorr contributors. All rights reserved.
"""Checkpoint input: safe loading, checked downloads, ``package://`` files.

``import mmcorr`` routes mmengine's checkpoint loading through
:func:`load_checkpoint_file` (see :func:`install_checkpoint_loaders`); set
``MMCORR_SAFE_CHECKPOINT_LOADER=0`` before the import, or call
:func:`restore_mmengine_checkpoint_loaders`, to keep mmengine's own loaders
(which cannot open mmengine's checkpoints under torch >= 2.6: they hold
numpy values that ``torch.load``'s default ``weights_only=True`` refuses).
"""
import collections
import os

from .safe_loading import (CheckpointFormatError, UnsafeCheckpointError,
                           checkpoint_format, extra_safe_globals,
                           install_safe_checkpoint_loader,
                           load_checkpoint_file, safe_torch_load,
                           set_unsafe_checkpoint_loading,
                           unsafe_checkpoint_loading_enabled)
from .download import (cached_checkpoint_path, expected_sha256, load_from_http)
from .package_files import (PACKAGE_SCHEME, load_package_file,
                            resolve_package_path)

__all__ = [
    'UnsafeCheckpointError', 'CheckpointFormatError', 'checkpoint_format',
    'extra_safe_globals', 'safe_torch_load', 'load_checkpoint_file',
    'set_unsafe_checkpoint_loading', 'unsafe_checkpoint_loading_enabled',
    'install_safe_checkpoint_loader', 'cached_checkpoint_path',
    'expected_sha256', 'load_from_http', 'install_checkpoint_loaders',
    'restore_mmengine_checkpoint_loaders', 'SAFE_LOADER_ENV', 'PACKAGE_SCHEME',
    'load_package_file', 'resolve_package_path'
]

SAFE_LOADER_ENV = 'MMCORR_SAFE_CHECKPOINT_LOADER'
_STATE = {'installed': False, 'saved': None}


def install_checkpoint_loaders(force: bool = False) -> bool:
    """Register mmcorr's loaders with mmengine (idempotent).

    Skipped when the environment sets ``MMCORR_SAFE_CHECKPOINT_LOADER=0``
    (read here, i.e. at ``import mmcorr``), unless ``force``.

    Returns:
        bool: whether mmcorr's loaders are installed after the call.
    """
    if _STATE['installed']:
        return True
    if not force and os.environ.get(
            SAFE_LOADER_ENV, '1').strip() in ('0', 'false', 'False', 'no'):
        return False
    _STATE['saved'] = _mmengine_loaders()
    install_safe_checkpoint_loader()
    _STATE['installed'] = True
    return True


def restore_mmengine_checkpoint_loaders() -> None:
    """Put back the loaders mmengine had before
    :func:`install_checkpoint_loaders` (no-op when they are not replaced)."""
    if not _STATE['installed']:
        return
    from mmengine.runner import CheckpointLoader
    from mmengine.runner import checkpoint as mmengine_checkpoint
    schemes, load_from_http = _STATE['saved']
    CheckpointLoader._schemes = schemes
    mmengine_checkpoint.load_from_http = load_from_http
    _STATE['installed'] = False


def _mmengine_loaders():
    from mmengine.runner import CheckpointLoader
    from mmengine.runner import checkpoint as mmengine_checkpoint
    return (collections.OrderedDict(CheckpointLoader._schemes),
            mmengine_checkpoint.load_from_http)
