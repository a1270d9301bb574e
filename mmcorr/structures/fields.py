# Copyright (c) mmcorr contributors. All rights reserved.
"""Typed, shape-checked data fields for mmcorr's data samples."""
from typing import Callable, Optional, Sequence, Tuple, Type, Union

import torch
from mmengine.structures import PixelData


def check_tensor_shape(name: str, value: torch.Tensor,
                       shape: Sequence[Optional[int]],
                       meaning: str) -> None:
    """Raise ``ValueError`` unless ``value.shape`` matches ``shape``.

    ``None`` in ``shape`` matches any size.
    """
    ok = value.dim() == len(shape) and all(
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
        if dtype is not None and value.dtype != dtype:
            raise ValueError(f'{name} must be {dtype}, got {value.dtype}')

    return check


def mask_check(name: str, value: PixelData) -> None:
    data = value.get('data')
    if data is None:
        raise ValueError(f'{name} must hold a `data` field [1, H, W]')
    check_tensor_shape(name + '.data', data, (1, None, None),
                        'foreground weight in [0, 1] at network-input size')


def typed_field(name: str, dtype: Union[Type, Tuple[Type, ...]],
           check: Optional[Callable] = None, doc: str = '') -> property:
    """A typed data-field property stored as ``_<name>``."""
    private = '_' + name

    def getter(self):
        return getattr(self, private)

    def setter(self, value):
        if not isinstance(value, dtype):
            raise TypeError(f'{name} must be a {dtype}, got {type(value)}')
        if check is not None:
            check(name, value)
        self.set_field(value, private, dtype=dtype)

    def deleter(self):
        delattr(self, private)

    return property(getter, setter, deleter, doc=doc)
