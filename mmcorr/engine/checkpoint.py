# Copyright (c) mmcorr contributors. All rights reserved.
"""Loading weights into a model (strict by default) and finding the
checkpoint to resume from."""
import logging
import os
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.logging import print_log
from mmengine.model import BaseTTAModel, is_model_wrapper
from mmengine.runner import CheckpointLoader

from mmcorr.checkpoint_io import CheckpointFormatError, checkpoint_format

__all__ = [
    'CheckpointMismatchError', 'StateDictMismatch', 'compare_state_dicts',
    'load_model_checkpoint', 'find_resume_checkpoint'
]

#: mmengine's default: DDP / DataParallel checkpoints prefix every key
DEFAULT_REVISE_KEYS = ((r'^module\.', ''), )


class CheckpointMismatchError(RuntimeError):
    """A checkpoint's weights do not fit the model."""


@dataclass
class StateDictMismatch:
    """How a checkpoint's state dict differs from a model's.

    ``mis_shaped`` holds ``(key, checkpoint shape, model shape)``.
    BatchNorm's ``num_batches_tracked`` is never reported missing (as in
    mmengine: checkpoints of older torch versions lack it).
    """
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    mis_shaped: List[Tuple[str, tuple, tuple]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.mis_shaped)

    def describe(self, limit: int = 10) -> str:
        parts = []
        for title, items in (('missing in the checkpoint', self.missing),
                             ('unexpected in the checkpoint',
                              self.unexpected)):
            if items:
                parts.append(f'{len(items)} key(s) {title}: '
                             f'{_head(items, limit)}')
        if self.mis_shaped:
            shapes = [
                f'{k} (checkpoint {tuple(a)}, model {tuple(b)})'
                for k, a, b in self.mis_shaped
            ]
            parts.append(f'{len(shapes)} key(s) with another shape: '
                         f'{_head(shapes, limit)}')
        return '; '.join(parts)


def _head(items: Sequence[str], limit: int) -> str:
    shown = ', '.join(items[:limit])
    more = len(items) - limit
    return shown + (f', ... and {more} more' if more > 0 else '')


def compare_state_dicts(
        model_state: Dict[str, torch.Tensor],
        checkpoint_state: Dict[str, object]) -> StateDictMismatch:
    """Missing, unexpected and mis-shaped keys of ``checkpoint_state``."""
    result = StateDictMismatch()
    for key, value in model_state.items():
        if key not in checkpoint_state:
            if not key.endswith('num_batches_tracked'):
                result.missing.append(key)
            continue
        theirs = checkpoint_state[key]
        shape = tuple(getattr(theirs, 'shape', ()))
        if not isinstance(theirs, torch.Tensor) or shape != tuple(value.shape):
            result.mis_shaped.append((key, shape, tuple(value.shape)))
    result.unexpected = [k for k in checkpoint_state if k not in model_state]
    return result


def _state_dict_of(checkpoint, filename: str,
                   revise_keys: Sequence[Tuple[str, str]]) -> dict:
    if not isinstance(checkpoint, dict):
        raise CheckpointFormatError(
            f'checkpoint {filename!r} holds a {type(checkpoint).__name__}, '
            'not a dict of weights')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, dict):
        raise CheckpointFormatError(
            f"checkpoint {filename!r}: 'state_dict' is a "
            f'{type(state_dict).__name__}, not a dict of weights')
    for pattern, replacement in revise_keys:
        state_dict = {
            re.sub(pattern, replacement, k): v
            for k, v in state_dict.items()
        }
    return state_dict


def load_model_checkpoint(
        model: torch.nn.Module,
        filename: str,
        strict: bool = True,
        map_location='cpu',
        revise_keys: Sequence[Tuple[str, str]] = DEFAULT_REVISE_KEYS) -> dict:
    """Load a checkpoint's weights into ``model``; strict by default.

    Args:
        model (nn.Module): The model (a DDP wrapper or a test-time
            augmentation model is unwrapped, as mmengine does).
        filename (str): Path or URL, read with mmcorr's safe loader.
        strict (bool): Refuse a checkpoint whose keys or shapes differ from
            the model's (the error lists them). ``False``: load the entries
            that fit, log the others as a warning.
        map_location: As in :func:`torch.load`.
        revise_keys: ``(pattern, replacement)`` regexes applied to the keys.

    Returns:
        dict: The whole checkpoint (``meta`` etc.).

    Raises:
        CheckpointMismatchError: ``strict`` and the weights do not fit.
    """
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    checkpoint = CheckpointLoader.load_checkpoint(filename, map_location)
    state_dict = _state_dict_of(checkpoint, filename, revise_keys)
    mismatch = compare_state_dicts(model.state_dict(), state_dict)
    if mismatch and strict:
        raise CheckpointMismatchError(
            f'checkpoint {filename!r} does not fit '
            f'{type(model).__name__}: {mismatch.describe()}. If this is '
            'intended, load non-strictly (--non-strict in tools/test.py, '
            'strict=False in the API) to load only the matching weights.')
    if mismatch:
        print_log(
            f'loaded {filename!r} non-strictly into {type(model).__name__}: '
            f'{mismatch.describe()}',
            logger='current',
            level=logging.WARNING)
    bad = {k for k, _, _ in mismatch.mis_shaped}
    model.load_state_dict({
        k: v
        for k, v in state_dict.items() if k not in bad
    },
                          strict=False)
    return checkpoint


# ---------------------------------------------------------------- resume
_NUMBERED = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


def _numbered_checkpoints(work_dir: str) -> List[str]:
    """``epoch_N.pth`` / ``iter_N.pth`` in ``work_dir``, newest first."""
    found = []
    for name in os.listdir(work_dir):
        match = _NUMBERED.match(name)
        if match:
            found.append((int(match.group(2)), name))
    return [osp.join(work_dir, name) for _, name in sorted(found)[::-1]]


def _problem(path: str) -> Optional[str]:
    """Why ``path`` cannot be resumed from, or ``None``."""
    if not osp.isfile(path):
        return 'does not exist'
    try:
        checkpoint_format(path)
    except CheckpointFormatError as error:
        return str(error)
    return None


def find_resume_checkpoint(work_dir: str, logger='current') -> Optional[str]:
    """The checkpoint ``--resume`` continues from, or ``None``.

    The file named in ``work_dir/last_checkpoint`` (written by mmengine's
    ``CheckpointHook``), else, or when that file is missing, empty,
    truncated or corrupt, the newest intact ``epoch_N.pth`` / ``iter_N.pth``
    in ``work_dir``. Every fallback is logged with its reason.
    """
    if not osp.isdir(work_dir):
        return None
    record = osp.join(work_dir, 'last_checkpoint')
    candidates = []
    if osp.isfile(record):
        with open(record) as f:
            named = f.read().strip()
        if named:
            candidates.append(named)
        else:
            _warn(f'{record} is empty', logger)
    for path in _numbered_checkpoints(work_dir):
        if path not in candidates:
            candidates.append(path)
    for path in candidates:
        problem = _problem(path)
        if problem is None:
            return path
        _warn(
            f'cannot resume from {path!r}: {problem}; trying an older '
            'checkpoint', logger)
    return None


def _warn(message: str, logger) -> None:
    print_log(message, logger=logger, level=logging.WARNING)
