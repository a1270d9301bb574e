# Copyright (c) mmcorr contributors. All rights reserved.
"""Input validation shared by the ops: errors that name the problem."""
import torch
from torch import Tensor


def check_4d(x: Tensor, name: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f'{name} must be a torch.Tensor, got {type(x)}')
    if x.dim() != 4:
        raise ValueError(f'{name} must be [B, C, H, W], got shape '
                         f'{tuple(x.shape)}')


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


def check_odd(value: int, name: str) -> None:
    if int(value) != value or value < 1 or value % 2 == 0:
        raise ValueError(f'{name} must be a positive odd integer, got '
                         f'{value!r}')


def check_finite(x: Tensor, name: str) -> None:
    """Refuse NaN/Inf, which would spread silently through sums and samples.

    Skipped while tracing/compiling, where a data-dependent check cannot run.
    """
    if torch.jit.is_tracing() or torch.compiler.is_compiling():
        return
    if x.is_floating_point() and not bool(torch.isfinite(x).all()):
        raise ValueError(f'{name} contains NaN or Inf values')
