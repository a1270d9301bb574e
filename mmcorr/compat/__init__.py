# Copyright (c) mmcorr contributors. All rights reserved.
"""Every workaround for the pinned stack, in one place.

Applied once by ``import mmcorr`` (see :func:`apply_compat`).
"""
from .checkpoint import (CheckpointFormatError, UnsafeCheckpointError,
                         checkpoint_format, extra_safe_globals,
                         install_safe_checkpoint_loader, load_checkpoint_file,
                         safe_torch_load, set_unsafe_checkpoint_loading,
                         unsafe_checkpoint_loading_enabled)
from .distributed import prepare_cpu_distributed, replace_sync_bn
from .download import (cached_checkpoint_path, expected_sha256, load_from_http)
from .package_files import (PACKAGE_SCHEME, load_package_file,
                            resolve_package_path)

__all__ = [
    'UnsafeCheckpointError', 'CheckpointFormatError', 'checkpoint_format',
    'extra_safe_globals', 'safe_torch_load', 'load_checkpoint_file',
    'set_unsafe_checkpoint_loading', 'unsafe_checkpoint_loading_enabled',
    'install_safe_checkpoint_loader', 'cached_checkpoint_path',
    'expected_sha256', 'load_from_http', 'prepare_cpu_distributed',
    'replace_sync_bn', 'apply_compat', 'PACKAGE_SCHEME', 'load_package_file',
    'resolve_package_path'
]

_APPLIED = {'done': False}


def apply_compat() -> None:
    """Install the safe checkpoint loader into mmengine (idempotent)."""
    if _APPLIED['done']:
        return
    install_safe_checkpoint_loader()
    _APPLIED['done'] = True
