# Copyright (c) mmcorr contributors. All rights reserved.
"""Typed, shape-checked data fields for mmcorr's data samples."""
from typing import Callable, Optional, Sequence, Tuple, Type, Union

import numpy as np
import torch
from mmengine.structures import PixelData


def check_tensor_shape(name: str, value: torch.Tensor,
                       shape: Sequence[Optional[int]],
                       meaning: str) -> None:
    """Raise ``ValueError`` unless ``value.shape`` matches ``shape``.

    ``None`` in ``shape`` matches any size.
    """
    ok = value.ndim == len(shape) and all(
        want is None or want == got for want, got in zip(shape, value.shape))
    if not ok:
        expected = '[' + ', '.join('*' if s is None else str(s)
                                   for s in shape) + ']'
        raise ValueError(f'{name} must have shape {expected} ({meaning}), '
                         f'got {tuple(value.shape)}')


def tensor_check(shape: Sequence[Optional[int]], meaning: str,
                  dtype: Optional[torch.dtype] = None) -> Callable:

    def check(name: str, value: torch.Tensor) -> None:
        check_tensor_shape(name, value, shape, meaning)
        want = dtype
        if dtype is not None and isinstance(value, np.ndarray):
            want = torch.empty((), dtype=dtype).numpy().dtype
        if dtype is not None and value.dtype != want:
            raise ValueError(f'{name} must be {dtype}, got {value.dtype}')

    return check


def map_check(meaning: str, integer: bool = False) -> Callable:
    """A check of a :obj:`PixelData` field holding a ``[1, H, W]`` map
    (``integer``: of integer values)."""

    def check(name: str, value: PixelData) -> None:
        data = value.get('data')
        if data is None:
            raise ValueError(f'{name} must hold a `data` field [1, H, W]')
        check_tensor_shape(name + '.data', data, (1, None, None), meaning)
        if integer and data.is_floating_point():
            raise ValueError(f'{name}.data must hold integer ids, got '
                             f'{data.dtype}')

    return check


mask_check = map_check('a map in [0, 1] at network-input size')


def forget_refused_field(sample, name: str, private: str) -> None:
    """Undo mmengine's listing of a refused field.

    ``BaseDataElement.__setattr__`` adds ``name`` to the data fields before
    the property setter runs; when the setter refuses the value and no
    value was set before, drop the name again (else ``name in sample`` is
    True and ``keys()``, ``to_dict()`` and ``repr`` fail).
    """
    if private not in sample._data_fields:
        sample._data_fields.discard(name)


def typed_field(name: str, dtype: Union[Type, Tuple[Type, ...]],
           check: Optional[Callable] = None, doc: str = '') -> property:
    """A typed data-field property stored as ``_<name>``.

    A ``torch.Tensor`` field also takes the ``np.ndarray`` that
    ``sample.numpy()`` makes of it (same shape checks), so that
    ``numpy()`` / ``to_tensor()`` work on the samples.
    """
    private = '_' + name
    allowed = dtype if isinstance(dtype, tuple) else (dtype, )
    if torch.Tensor in allowed:
        allowed += (np.ndarray, )

    def getter(self):
        return getattr(self, private)

    def setter(self, value):
        try:
            if not isinstance(value, allowed):
                raise TypeError(f'{name} must be a {dtype}, got '
                                f'{type(value)}')
            if check is not None:
                check(name, value)
        except (TypeError, ValueError):
            forget_refused_field(self, name, private)
            raise
        self.set_field(value, private, dtype=allowed)

    def deleter(self):
        delattr(self, private)

    return property(getter, setter, deleter, doc=doc)
