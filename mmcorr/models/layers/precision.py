# Copyright (c) mmcorr contributors. All rights reserved.
"""Float32 islands inside bfloat16 autocast.

Under ``BF16AutocastOptimWrapper`` the convolutions run in bfloat16 (8 bits
of mantissa). Correlations normalised over thousands of candidates (MAST's
memory softmax, ICNet's cosine maps and their min-max / Gram
normalisations) need float32: the layers that compute them wrap the
computation in :func:`float32_region` and cast their inputs with
:func:`full_precision`. Outside autocast both do nothing.
"""
from contextlib import contextmanager

import torch
from torch import Tensor

__all__ = ['full_precision', 'float32_region']


def full_precision(tensor: Tensor) -> Tensor:
    """A half-precision float tensor as float32; others as they are."""
    if tensor.dtype in (torch.float16, torch.bfloat16):
        return tensor.float()
    return tensor


@contextmanager
def float32_region(tensor: Tensor):
    """Autocast off on ``tensor``'s device for the block: operations run
    in their inputs' dtype (cast them with :func:`full_precision`)."""
    with torch.autocast(tensor.device.type, enabled=False):
        yield
