# Copyright (c) mmcorr contributors. All rights reserved.
"""Float32 islands inside bfloat16 autocast.

Under ``BF16AutocastOptimWrapper`` the convolutions run in bfloat16 (8 bits
of mantissa). Correlations normalised over thousands of candidates (MAST's
memory softmax, ICNet's cosine maps and their min-max / Gram
normalisations) need float32: the layers that compute them wrap the
computation in :func:`float32_region` and cast their inputs with
:func:`full_precision` (which casts half-precision tensors to float32
whether autocast is on or not; :func:`autocast_or_input_dtype` gives a
result back in its input's dtype when autocast is off, e.g. in a model
cast to bfloat16 as a whole).
"""
from contextlib import contextmanager

import torch
from torch import Tensor

__all__ = ['full_precision', 'float32_region', 'autocast_or_input_dtype']


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


def autocast_or_input_dtype(result: Tensor, like: Tensor) -> Tensor:
    """``result`` as it is under autocast on ``like``'s device (the next
    autocast op casts it), else in ``like``'s dtype."""
    if torch.is_autocast_enabled(like.device.type):
        return result
    return result.to(like.dtype)
