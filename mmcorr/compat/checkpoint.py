# Copyright (c) mmcorr contributors. All rights reserved.
"""Safe checkpoint loading for mmengine 0.10.7 under torch >= 2.6.

torch >= 2.6 loads with ``weights_only=True``, which refuses mmengine's own
checkpoints (``meta`` holds numpy values, ``message_hub`` holds
``HistoryBuffer`` objects and pickled references to four of its methods).
Turning safe loading off would let a checkpoint run arbitrary code. Instead,
checkpoints are unpickled by :class:`AllowListUnpickler`, which admits exactly
the globals that mmengine checkpoints and plain state dicts contain and refuses
everything else with :class:`UnsafeCheckpointError`.

Loading arbitrary pickles is an explicit opt-in, with a warning:
:func:`set_unsafe_checkpoint_loading` (``--unsafe-load`` in the tools, config
key ``unsafe_checkpoint_loading=True``, or env ``MMCORR_UNSAFE_CHECKPOINT=1``).

:func:`install_safe_checkpoint_loader` registers the loader for local paths and
``http(s)://`` URLs with mmengine's ``CheckpointLoader``, so ``load_from``,
``--resume``, ``tools/test.py`` and ``load_checkpoint`` all use it.
"""
import _compat_pickle
import codecs
import collections
import os
import os.path as osp
import pickle
import types
import warnings
from typing import Any, Dict, Optional

import numpy as np
import torch

__all__ = [
    'AllowListUnpickler', 'UnsafeCheckpointError', 'safe_torch_load',
    'load_checkpoint_file', 'set_unsafe_checkpoint_loading',
    'unsafe_checkpoint_loading_enabled', 'install_safe_checkpoint_loader'
]

UNSAFE_ENV = 'MMCORR_UNSAFE_CHECKPOINT'
_UNSAFE = {'enabled': False}


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint references a global outside the allow-list."""


def _history_buffer_cls():
    from mmengine.logging import HistoryBuffer
    return HistoryBuffer


#: HistoryBuffer statistics that mmengine pickles as ``getattr(cls, name)``.
_HISTORY_BUFFER_METHODS = frozenset({'min', 'max', 'mean', 'current'})


def _restricted_getattr(obj: Any, name: str) -> Any:
    """The only ``getattr`` a checkpoint may call: HistoryBuffer statistics."""
    if obj is _history_buffer_cls() and name in _HISTORY_BUFFER_METHODS:
        return getattr(obj, name)
    raise UnsafeCheckpointError(
        f'checkpoint calls getattr({obj!r}, {name!r}); only '
        f'HistoryBuffer.{{{", ".join(sorted(_HISTORY_BUFFER_METHODS))}}} '
        'are allowed')


def _numpy_globals() -> Dict[str, Any]:
    from numpy._core import multiarray
    objs = {
        '_reconstruct': multiarray._reconstruct,
        'scalar': multiarray.scalar,
    }
    allowed = {}
    # numpy 1.x wrote ``numpy.core.multiarray``, numpy 2.x ``numpy._core``.
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        for name, obj in objs.items():
            allowed[f'{module}.{name}'] = obj
    allowed['numpy.ndarray'] = np.ndarray
    allowed['numpy.dtype'] = np.dtype
    for dtype_cls in vars(np.dtypes).values():
        if isinstance(dtype_cls, type) and issubclass(dtype_cls, np.dtype):
            allowed[f'numpy.dtypes.{dtype_cls.__name__}'] = dtype_cls
    return allowed


def _torch_globals() -> Dict[str, Any]:
    allowed = {}
    for name in ('_rebuild_tensor', '_rebuild_tensor_v2', '_rebuild_tensor_v3',
                 '_rebuild_parameter', '_rebuild_parameter_with_state',
                 '_rebuild_device_tensor_from_numpy',
                 '_rebuild_sparse_tensor', '_rebuild_qtensor',
                 '_rebuild_nested_tensor', '_rebuild_meta_tensor_no_storage',
                 '_rebuild_wrapper_subclass'):
        if hasattr(torch._utils, name):
            allowed[f'torch._utils.{name}'] = getattr(torch._utils, name)
    allowed['torch.Size'] = torch.Size
    allowed['torch.device'] = torch.device
    allowed['torch.nn.parameter.Parameter'] = torch.nn.Parameter
    allowed['torch._tensor._rebuild_from_type_v2'] = \
        torch._tensor._rebuild_from_type_v2
    allowed['torch.Tensor'] = torch.Tensor
    for value in vars(torch).values():
        if isinstance(value, torch.dtype):
            allowed[str(value)] = value  # 'torch.float32' -> torch.float32
    allowed['torch.serialization._get_layout'] = \
        torch.serialization._get_layout
    for layout in ('strided', 'sparse_coo', 'sparse_csr', 'sparse_csc',
                   'sparse_bsr', 'sparse_bsc', '_mkldnn'):
        if hasattr(torch, layout):
            allowed[f'torch.{layout}'] = getattr(torch, layout)
    return allowed


def _build_allow_list() -> Dict[str, Any]:
    allowed = {
        'collections.OrderedDict': collections.OrderedDict,
        'collections.defaultdict': collections.defaultdict,
        # MultiStepLR keeps its milestones as a Counter
        'collections.Counter': collections.Counter,
        'builtins.set': set,
        'builtins.frozenset': frozenset,
        'builtins.slice': slice,
        'builtins.complex': complex,
        'builtins.bytearray': bytearray,
        '_codecs.encode': codecs.encode,
        'builtins.getattr': _restricted_getattr,
        'mmengine.logging.history_buffer.HistoryBuffer':
        _history_buffer_cls(),
    }
    allowed.update(_numpy_globals())
    allowed.update(_torch_globals())
    return allowed


_ALLOWED: Optional[Dict[str, Any]] = None


def allowed_globals() -> Dict[str, Any]:
    """``'module.name' -> object`` for every global a checkpoint may use."""
    global _ALLOWED
    if _ALLOWED is None:
        _ALLOWED = _build_allow_list()
    return _ALLOWED


class AllowListUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` that resolves only allow-listed globals."""

    def find_class(self, module: str, name: str) -> Any:
        # protocol < 3 writes Python 2 names (``__builtin__.getattr``)
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        key = f'{module}.{name}'
        obj = allowed_globals().get(key)
        if obj is None:
            raise UnsafeCheckpointError(
                f'refusing to load a checkpoint that references the global '
                f'{key!r}: it is not among the types mmengine checkpoints '
                f'hold, and unpickling it could execute code. If you trust '
                f'this file, opt in to unsafe loading with `--unsafe-load`, '
                f'the config key `unsafe_checkpoint_loading=True`, or '
                f'{UNSAFE_ENV}=1.')
        return obj


#: a module object usable as ``torch.load(pickle_module=...)``.
allow_list_pickle = types.ModuleType('mmcorr_allow_list_pickle')
allow_list_pickle.Unpickler = AllowListUnpickler
allow_list_pickle.load = pickle.load
allow_list_pickle.UnpicklingError = pickle.UnpicklingError
allow_list_pickle.__name__ = 'mmcorr_allow_list_pickle'


def set_unsafe_checkpoint_loading(enabled: bool = True) -> None:
    """Allow (``True``) or forbid (``False``) loading arbitrary pickles."""
    if enabled and not _UNSAFE['enabled']:
        warnings.warn(
            'Unsafe checkpoint loading is ON: checkpoints are unpickled with '
            'weights_only=False and can execute arbitrary code. Only load '
            'files you trust.',
            stacklevel=2)
    _UNSAFE['enabled'] = bool(enabled)


def unsafe_checkpoint_loading_enabled() -> bool:
    """Whether the opt-in (function call or environment variable) is on."""
    env = os.environ.get(UNSAFE_ENV, '').lower() in ('1', 'true', 'yes')
    return _UNSAFE['enabled'] or env


def safe_torch_load(file, map_location=None) -> Any:
    """``torch.load`` restricted to the allow-list (or unrestricted if opted in).

    Args:
        file (str | file-like): The checkpoint.
        map_location: As in :func:`torch.load`.

    Raises:
        UnsafeCheckpointError: the pickle references a global outside the
            allow-list; nothing from it was executed.
    """
    if unsafe_checkpoint_loading_enabled():
        return torch.load(file, map_location=map_location, weights_only=False)
    return torch.load(
        file,
        map_location=map_location,
        weights_only=False,
        pickle_module=allow_list_pickle)


def load_checkpoint_file(filename: str, map_location=None) -> Any:
    """Load a local checkpoint safely; clear error when the file is missing."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename!r} does not exist')
    return safe_torch_load(filename, map_location=map_location)


def _load_from_http(filename: str, map_location=None, model_dir=None) -> Any:
    from mmengine.dist import get_dist_info
    from torch.hub import download_url_to_file, get_dir
    model_dir = model_dir or osp.join(get_dir(), 'checkpoints')
    os.makedirs(model_dir, exist_ok=True)
    cached = osp.join(model_dir, osp.basename(filename.split('?')[0]))
    rank, world_size = get_dist_info()
    if rank == 0 and not osp.isfile(cached):
        download_url_to_file(filename, cached, progress=False)
    if world_size > 1:
        torch.distributed.barrier()
        if rank > 0 and not osp.isfile(cached):
            download_url_to_file(filename, cached, progress=False)
    return load_checkpoint_file(cached, map_location)


def install_safe_checkpoint_loader() -> None:
    """Route mmengine's local and http(s) checkpoint loading through here."""
    from mmengine.runner import CheckpointLoader
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_checkpoint_file, force=True)
    CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'), loader=_load_from_http, force=True)

