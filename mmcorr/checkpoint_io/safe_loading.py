# Copyright (c) mmcorr contributors. All rights reserved.
"""Safe checkpoint loading for mmengine 0.10.7 under torch >= 2.6.

Every checkpoint is read by torch's own restricted unpickler
(``torch.load(weights_only=True)``), which covers *every* pickle record of
every format torch can open: the zip format of ``torch.save``, the legacy
non-zip format (magic number, protocol and header records included) and bare
pickles. torch alone refuses mmengine's checkpoints (``meta`` holds numpy
values, ``message_hub`` holds ``HistoryBuffer`` objects and pickled
references to four of its methods), so mmcorr adds exactly those globals to
torch's allow-list for the duration of one load (:func:`extra_safe_globals`):

* numpy arrays, scalars and dtypes (no numpy function is callable);
* ``getattr`` restricted to ``HistoryBuffer.{min,max,mean,current}``;
* ``HistoryBuffer`` rebuilt by :class:`_RestoredHistoryBuffer`, which checks
  its state and never touches the class-level statistics table (mmengine's
  own ``__setstate__`` updates that table for the whole process);
* ``frozenset``, ``slice``, ``defaultdict`` (containers only).

Formats, decided from the file's first bytes before anything is unpickled
(:func:`checkpoint_format`):

========================  ===================================================
zip (``torch.save``)      loaded through the allow-list
legacy / bare pickle      loaded through the allow-list
TorchScript archive       refused (``torch.load`` would run ``torch.jit.load``
                          and with it the archive's scripted code)
legacy tar (torch < 0.4)  refused (torch cannot read it safely)
empty, text, other bytes  refused: not a checkpoint
========================  ===================================================

Anything outside the allow-list raises :class:`UnsafeCheckpointError` before
it runs; a file that cannot be read raises :class:`CheckpointFormatError`.
Both name the file. Loading arbitrary pickles (and TorchScript / tar) is an
explicit opt-in, with a warning: :func:`set_unsafe_checkpoint_loading`
(``--unsafe-load`` in the tools, config key
``unsafe_checkpoint_loading=True``, or env ``MMCORR_UNSAFE_CHECKPOINT=1``).

:func:`install_safe_checkpoint_loader` registers the loader for local paths
and ``http(s)://`` URLs with mmengine's ``CheckpointLoader`` (and for the
model-zoo schemes that download over http), so ``load_from``, ``--resume``,
``tools/test.py`` and ``load_checkpoint`` all use it.
"""
import collections
import importlib
import os
import os.path as osp
import pickle
import warnings
import zipfile
from typing import Any, Dict, List, Optional

import numpy as np
import torch

__all__ = [
    'UnsafeCheckpointError', 'CheckpointFormatError', 'checkpoint_format',
    'extra_safe_globals', 'safe_torch_load', 'load_checkpoint_file',
    'set_unsafe_checkpoint_loading', 'unsafe_checkpoint_loading_enabled',
    'install_safe_checkpoint_loader'
]

UNSAFE_ENV = 'MMCORR_UNSAFE_CHECKPOINT'
_UNSAFE = {'enabled': False}
_OPT_IN = ('If you trust this file, opt in to unsafe loading with '
           f'`--unsafe-load`, the config key `unsafe_checkpoint_loading=True`'
           f', or {UNSAFE_ENV}=1.')
#: marks errors raised by mmcorr's own checks inside torch's unpickler (torch
#: re-raises them as plain ``UnpicklingError`` with the text kept).
_REFUSED = '[mmcorr: refused]'
#: what torch's restricted unpickler says when a pickle asks for more than
#: plain data: a global, a callable, or building an object it does not know.
_TORCH_REFUSALS = ('Unsupported global', 'is blocked',
                   'unrecognized function', 'Can only ')


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint asks for something outside the allow-list; nothing of it
    was executed."""


class CheckpointFormatError(RuntimeError):
    """A checkpoint file cannot be read: empty, truncated, corrupt, not a
    checkpoint, or in a format that cannot be loaded safely."""


# ------------------------------------------------------------- allow-list
def _history_buffer_cls():
    from mmengine.logging import HistoryBuffer
    return HistoryBuffer


#: HistoryBuffer statistics that mmengine pickles as ``getattr(cls, name)``.
_HISTORY_BUFFER_METHODS = frozenset({'min', 'max', 'mean', 'current'})


def _refuse(message: str) -> UnsafeCheckpointError:
    return UnsafeCheckpointError(f'{_REFUSED} {message}')


def _restricted_getattr(obj: Any, name: str) -> Any:
    """The only ``getattr`` a checkpoint may call: HistoryBuffer statistics."""
    history_buffer = _history_buffer_cls()
    if (isinstance(obj, type) and issubclass(obj, history_buffer)
            and name in _HISTORY_BUFFER_METHODS):
        return getattr(history_buffer, name)
    raise _refuse(
        f'checkpoint calls getattr({obj!r}, {name!r}); only '
        f'HistoryBuffer.{{{", ".join(sorted(_HISTORY_BUFFER_METHODS))}}} '
        'are allowed')


def _restored_history_buffer_cls():
    """A ``HistoryBuffer`` subclass used only while unpickling.

    Its ``__setstate__`` accepts the three instance fields mmengine saves and
    a ``statistics_methods`` table whose entries must be HistoryBuffer's own
    method of the same name, changes nothing outside the instance, and turns
    the instance back into a plain ``HistoryBuffer``.
    """
    history_buffer = _history_buffer_cls()

    class _RestoredHistoryBuffer(history_buffer):

        def __setstate__(self, state):
            if not isinstance(state, dict):
                raise _refuse('HistoryBuffer state must be a dict, got '
                              f'{type(state).__name__}')
            state = dict(state)
            methods = state.pop('statistics_methods', {})
            if not isinstance(methods, dict):
                raise _refuse('HistoryBuffer.statistics_methods must be a '
                              'dict')
            for name, method in methods.items():
                if method is not getattr(history_buffer, str(name), None):
                    raise _refuse(
                        f'checkpoint maps the HistoryBuffer statistic '
                        f'{name!r} to {getattr(method, "__name__", method)!r}'
                        '; a checkpoint cannot change what statistics mean')
            allowed = {
                'max_length': int,
                '_log_history': np.ndarray,
                '_count_history': np.ndarray
            }
            for key, value in state.items():
                if key not in allowed or not isinstance(value, allowed[key]):
                    raise _refuse(f'unexpected HistoryBuffer field {key!r} '
                                  f'of type {type(value).__name__}')
            self.__dict__.update(state)
            self.__class__ = history_buffer
            self._set_default_statistics()

    _RestoredHistoryBuffer.__module__ = __name__
    return _RestoredHistoryBuffer


def _numpy_globals() -> List[tuple]:
    from numpy._core import multiarray
    entries = []
    # numpy 1.x wrote ``numpy.core.multiarray``, numpy 2.x ``numpy._core``.
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        entries.append((multiarray._reconstruct, f'{module}._reconstruct'))
        entries.append((multiarray.scalar, f'{module}.scalar'))
    entries += [(np.ndarray, 'numpy.ndarray'), (np.dtype, 'numpy.dtype')]
    for dtype_cls in vars(np.dtypes).values():
        if isinstance(dtype_cls, type) and issubclass(dtype_cls, np.dtype):
            entries.append((dtype_cls, f'numpy.dtypes.{dtype_cls.__name__}'))
    return entries


_EXTRA: Optional[List[tuple]] = None


def extra_safe_globals() -> List[tuple]:
    """``(object, 'module.name')`` pairs that mmcorr adds to torch's
    ``weights_only`` allow-list while it loads a checkpoint."""
    global _EXTRA
    if _EXTRA is None:
        _EXTRA = _numpy_globals() + [
            (collections.defaultdict, 'collections.defaultdict'),
            (frozenset, 'builtins.frozenset'),
            (slice, 'builtins.slice'),
            (_restricted_getattr, 'builtins.getattr'),
            (_restored_history_buffer_cls(),
             'mmengine.logging.history_buffer.HistoryBuffer'),
        ]
    return _EXTRA


# ----------------------------------------------------------------- formats
#: what each format is called in messages
FORMAT_NAMES: Dict[str, str] = {
    'zip': 'zip archive (torch.save)',
    'pickle': 'legacy torch.save format or bare pickle',
    'torchscript': 'TorchScript archive (torch.jit.save)',
    'tar': 'legacy tar format (torch < 0.4)',
}


def _describe(file: Any) -> str:
    if isinstance(file, (str, os.PathLike)):
        return repr(os.fspath(file))
    return f'<{type(file).__name__}>'


def checkpoint_format(file: Any) -> str:
    """Which kind of file a checkpoint is, from its first bytes.

    Args:
        file (str | PathLike | binary file object): The checkpoint; a file
            object is returned to its position.

    Returns:
        str: ``'zip'``, ``'torchscript'``, ``'tar'`` or ``'pickle'``
        (see :data:`FORMAT_NAMES`).

    Raises:
        CheckpointFormatError: empty, truncated zip, or not a checkpoint.
    """
    name = _describe(file)
    if isinstance(file, (str, os.PathLike)):
        with open(file, 'rb') as f:
            return _sniff(f, name)
    return _sniff(file, name)


def _sniff(f, name: str) -> str:
    start = f.tell()
    head = f.read(512)
    f.seek(start)
    if not head:
        raise CheckpointFormatError(f'checkpoint file {name} is empty')
    if head[:4] == b'PK\x03\x04':
        try:
            records = zipfile.ZipFile(f).namelist()
        except (zipfile.BadZipFile, EOFError, OSError) as error:
            raise CheckpointFormatError(
                f'checkpoint file {name} is a truncated or corrupt zip '
                f'archive ({error})') from None
        finally:
            f.seek(start)
        if any(r.split('/', 1)[-1] == 'constants.pkl' for r in records):
            return 'torchscript'
        return 'zip'
    if len(head) >= 262 and head[257:262] == b'ustar':
        return 'tar'
    if head[0] == 0x80:  # pickle PROTO opcode: protocol >= 2
        return 'pickle'
    kind = 'text' if _looks_like_text(head) else 'data'
    raise CheckpointFormatError(
        f'checkpoint file {name} is not a PyTorch checkpoint: it holds '
        f'{kind} starting with {head[:24]!r}, neither a zip archive '
        '(torch.save) nor a pickle')


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode('utf-8')
    except UnicodeDecodeError:
        return False
    return True


# -------------------------------------------------------------- loading
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
    """``torch.load`` restricted to the allow-list (unrestricted if opted in).

    Args:
        file (str | PathLike | binary file object): The checkpoint.
        map_location: As in :func:`torch.load`.

    Raises:
        UnsafeCheckpointError: the file asks for a global, call or object
            outside the allow-list, or is a TorchScript / legacy tar archive;
            nothing from it was executed.
        CheckpointFormatError: the file cannot be read (see
            :func:`checkpoint_format`), or is truncated.
    """
    name = _describe(file)
    fmt = checkpoint_format(file)
    if unsafe_checkpoint_loading_enabled():
        return _load(file, name, map_location, weights_only=False)
    if fmt in ('torchscript', 'tar'):
        raise UnsafeCheckpointError(
            f'refusing to load checkpoint {name}: it is a {FORMAT_NAMES[fmt]}'
            ', which torch cannot load without running code from the file. ' +
            _OPT_IN)
    with torch.serialization.safe_globals(extra_safe_globals()):
        return _load(file, name, map_location, weights_only=True)


def _load(file, name: str, map_location, weights_only: bool) -> Any:
    # mmcorr's only torch.load: weights_only=True (torch's restricted
    # unpickler, extended by `extra_safe_globals` in the caller) unless the
    # user opted in to unsafe loading
    try:
        return torch.load(
            file, map_location=map_location, weights_only=weights_only)
    except pickle.UnpicklingError as error:
        message = str(error)
        if _REFUSED in message or any(s in message for s in _TORCH_REFUSALS):
            reason = _refusal_reason(message)
            raise UnsafeCheckpointError(
                f'refusing to load checkpoint {name}: {reason.rstrip(".")}. '
                'Nothing from the file was executed. ' + _OPT_IN) \
                from None
        raise CheckpointFormatError(
            f'checkpoint file {name} is corrupt: {_last_line(message)}') \
            from None
    except EOFError:
        raise CheckpointFormatError(
            f'checkpoint file {name} is truncated (the data ends early)') \
            from None
    except (RuntimeError, ValueError, KeyError, OSError) as error:
        raise CheckpointFormatError(
            f'could not load checkpoint file {name}: '
            f'{type(error).__name__}: {_last_line(str(error))}') from None


def _refusal_reason(message: str) -> str:
    """The line of torch's (or mmcorr's) message that says what was asked."""
    for line in message.splitlines():
        if _REFUSED in line:
            return line.split(_REFUSED, 1)[1].strip()
    for line in message.splitlines():
        if any(s in line for s in _TORCH_REFUSALS):
            line = line.split('WeightsUnpickler error:')[-1].strip()
            return line.split('. Please use')[0]
    return _last_line(message)


def _last_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    for line in reversed(lines):
        if not line.startswith('Check the documentation'):
            return line
    return message


def load_checkpoint_file(filename: str, map_location=None) -> Any:
    """Load a local checkpoint safely; clear error when the file is missing."""
    filename = osp.expanduser(os.fspath(filename))
    if not osp.isfile(filename):
        if osp.isdir(filename):
            raise IsADirectoryError(
                f'checkpoint path {filename!r} is a directory, not a file')
        raise FileNotFoundError(f'checkpoint file {filename!r} does not exist')
    return safe_torch_load(filename, map_location=map_location)


def install_safe_checkpoint_loader() -> None:
    """Route mmengine's local, ``package://`` and http(s) checkpoint
    loading through here.

    The model-zoo schemes (``open-mmlab://``, ``torchvision://``,
    ``mmcls://``) resolve to URLs and call mmengine's module-level
    ``load_from_http``, which is replaced too.
    """
    from mmengine.runner import CheckpointLoader
    from mmengine.runner import checkpoint as mmengine_checkpoint

    from .download import load_from_http
    from .package_files import PACKAGE_SCHEME, load_package_file
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_checkpoint_file, force=True)
    CheckpointLoader.register_scheme(
        prefixes=PACKAGE_SCHEME, loader=load_package_file, force=True)
    CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'), loader=load_from_http, force=True)
    mmengine_checkpoint.load_from_http = load_from_http
    original = CheckpointLoader._schemes.get('torchvision://')
    CheckpointLoader.register_scheme(
        prefixes=('modelzoo://', 'torchvision://'),
        loader=_torchvision_loader(original), force=True)


def _torchvision_loader(original):
    """mmengine's ``torchvision://`` loader, or, where torchvision does not
    import (this stack's CPU torch), a message saying what to pass."""

    def load(filename, map_location=None):
        try:
            importlib.import_module('torchvision')
        except Exception as error:  # ImportError, or a broken binary
            name = filename.split('://', 1)[1]
            raise ImportError(
                f'{filename!r} needs torchvision to find the weights\' '
                f'URL, and torchvision does not import here ({error}). '
                f'Download torchvision\'s ImageNet {name} weights (e.g. on '
                'a machine with torchvision: torchvision.models.'
                f'{name}(weights="IMAGENET1K_V1").state_dict(), saved with '
                'torch.save), convert them with python tools/'
                'model_converters/torchvision_resnet2mmcorr.py IN OUT, and '
                'pass model.backbone.init_cfg.checkpoint=OUT (or '
                'model.backbone.init_cfg=None with a full checkpoint)'
            ) from None
        return original(filename, map_location)

    return load
