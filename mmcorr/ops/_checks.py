# Copyright (c) mmcorr contributors. All rights reserved.
"""Input validation shared by the ops: errors that name the problem.

Two kinds of tensors reach the ops. *Values* (feature maps, correlations)
are computed with, so they must be floating point: an integer correlation
would give an integer ``linspace`` and a wrong grid. *Positions* (flows,
offsets, grids) are cast to the values' dtype, so any real dtype will do
(integers are exact pixel offsets). All checks read metadata only and always
run, except :func:`check_finite`, which scans the data (a host
synchronisation on CUDA) and runs only while :func:`finite_checks_enabled`.
"""
import contextlib
import math
import numbers
import os
from typing import Any, Iterator, Optional, Sequence, Tuple

import torch
from torch import Tensor


def check_floating(x: Any, name: str) -> None:
    """``x`` is a floating-point tensor (any shape)."""
    if not isinstance(x, Tensor):
        raise TypeError(f'{name} must be a torch.Tensor, got {type(x)}')
    if not x.is_floating_point():
        raise TypeError(f'{name} must be a floating-point tensor, got dtype '
                        f'{x.dtype}; convert it first, e.g. {name}.float()')


def check_tensor(x: Any, name: str, layout: str, ndim: Optional[int] = None,
                 floating: bool = True) -> None:
    """A non-empty tensor, ``ndim``-dimensional when given.

    Args:
        x: The argument to check.
        name (str): Its name, for the messages.
        layout (str): Its expected shape in words, e.g. ``'[B, C, H, W]'``.
        ndim (int, optional): Required number of dimensions.
        floating (bool): Require a floating-point dtype; otherwise any real
            dtype (not bool or complex) is accepted.
    """
    if floating:
        check_floating(x, name)
    elif not isinstance(x, Tensor):
        raise TypeError(f'{name} must be a torch.Tensor, got {type(x)}')
    elif x.dtype == torch.bool or x.is_complex():
        raise TypeError(f'{name} must hold real numbers, got dtype {x.dtype}')
    if ndim is not None and x.dim() != ndim:
        raise ValueError(f'{name} must be {layout}, got shape '
                         f'{tuple(x.shape)}')
    if x.numel() == 0:
        raise ValueError(f'{name} must not be empty ({layout}), got shape '
                         f'{tuple(x.shape)}')


def check_4d(x: Any, name: str, floating: bool = True) -> None:
    """A non-empty ``[B, C, H, W]`` tensor (see :func:`check_tensor`)."""
    check_tensor(x, name, '[B, C, H, W]', 4, floating)


def check_same_device(x: Tensor, ref: Tensor, name: str,
                      ref_name: str) -> None:
    if x.device != ref.device:
        raise ValueError(f'{name} is on {x.device} but {ref_name} is on '
                         f'{ref.device}; move both to one device')


def check_feature_pair(a: Tensor, b: Tensor, name_a: str, name_b: str,
                       same_size: bool) -> None:
    """Both ``[B, C, H, W]`` with equal batch and channels (and size)."""
    check_4d(a, name_a)
    check_4d(b, name_b)
    if a.shape[0] != b.shape[0]:
        raise ValueError(f'batch sizes differ: {name_a} has {a.shape[0]}, '
                         f'{name_b} has {b.shape[0]}')
    if a.shape[1] != b.shape[1]:
        raise ValueError(f'channel counts differ: {name_a} has {a.shape[1]}, '
                         f'{name_b} has {b.shape[1]}')
    if same_size and a.shape[2:] != b.shape[2:]:
        raise ValueError(f'spatial sizes differ: {name_a} is '
                         f'{tuple(a.shape[2:])}, {name_b} is '
                         f'{tuple(b.shape[2:])}')
    if a.dtype != b.dtype or a.device != b.device:
        raise ValueError(f'{name_a} ({a.dtype}, {a.device}) and {name_b} '
                         f'({b.dtype}, {b.device}) must share dtype and '
                         'device')


def _is_int(value: Any) -> bool:
    """A Python or numpy integer, not a bool (``True`` is no size)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_int(value: Any, name: str, low: int) -> None:
    """An integer (not a float, even ``2.0``) ``>= low``."""
    if not _is_int(value) or value < low:
        raise ValueError(f'{name} must be an integer >= {low}, got '
                         f'{value!r}')


def check_odd(value: Any, name: str) -> None:
    if not _is_int(value) or value < 1 or value % 2 == 0:
        raise ValueError(f'{name} must be a positive odd integer, got '
                         f'{value!r}')


def check_size(size: Any, name: str) -> Tuple[int, int]:
    """``(H, W)``: two integers ``>= 1``; returns them as a tuple."""
    if not isinstance(size, Sequence) or len(size) != 2 or \
            not all(_is_int(v) and v >= 1 for v in size):
        raise ValueError(f'{name} must be (H, W), two integers >= 1, got '
                         f'{size!r}')
    return int(size[0]), int(size[1])


def check_real(value: Any, name: str, low: float = 0,
               inclusive: bool = False) -> None:
    """A finite number ``> low`` (``>= low`` if ``inclusive``).

    A tensor passes unchecked: reading it would synchronise the device.
    """
    if isinstance(value, Tensor):
        return
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) \
        and math.isfinite(value) and \
        (value >= low if inclusive else value > low)
    if not ok:
        bound = f'>= {low}' if inclusive else f'> {low}'
        raise ValueError(f'{name} must be a finite number {bound}, got '
                         f'{value!r}')


#: environment variable that turns the finiteness checks on (``1``) or off
FINITE_CHECKS_ENV = 'MMCORR_CHECK_FINITE'
_ENV_VALUES = {'1': True, 'true': True, 'yes': True, 'on': True,
               '0': False, 'false': False, 'no': False, 'off': False,
               '': False}
#: set by :func:`finite_checks`; ``None`` defers to the environment
_finite_override: Optional[bool] = None


def finite_checks_enabled() -> bool:
    """Whether the ops refuse NaN/Inf inputs (off by default).

    The innermost active :func:`finite_checks` block decides; outside any,
    the environment variable ``MMCORR_CHECK_FINITE``, read at each call
    (``1``/``true``/``yes``/``on`` or ``0``/``false``/``no``/``off``/unset).

    Raises:
        ValueError: if the variable holds any other value.
    """
    if _finite_override is not None:
        return _finite_override
    value = os.environ.get(FINITE_CHECKS_ENV, '')
    enabled = _ENV_VALUES.get(value.strip().lower())
    if enabled is None:
        raise ValueError(f'{FINITE_CHECKS_ENV}={value!r} is not a switch; '
                         'use 1 (check for NaN/Inf) or 0 (do not)')
    return enabled


@contextlib.contextmanager
def finite_checks(enabled: bool = True) -> Iterator[None]:
    """Turn the ops' NaN/Inf checks on (or off) inside a ``with`` block.

    Overrides ``MMCORR_CHECK_FINITE`` until the block ends, then restores the
    previous state; blocks nest. The state is process-wide (not per thread).
    Also usable as a decorator.
    """
    global _finite_override
    if not isinstance(enabled, bool):
        raise TypeError(f'enabled must be a bool, got {enabled!r}')
    previous, _finite_override = _finite_override, enabled
    try:
        yield
    finally:
        _finite_override = previous


def check_finite(x: Tensor, name: str) -> None:
    """Refuse NaN/Inf, which would spread silently through sums and samples.

    Runs only while :func:`finite_checks_enabled`: the scan synchronises the
    device, and under mixed precision an overflow is the loss scaler's to
    skip. Skipped while tracing/compiling, where a data-dependent check
    cannot run.
    """
    if not finite_checks_enabled():
        return
    if torch.jit.is_tracing() or torch.compiler.is_compiling():
        return
    if x.is_floating_point() and not bool(torch.isfinite(x).all()):
        raise ValueError(f'{name} contains NaN or Inf values')
