# Copyright (c) mmcorr contributors. All rights reserved.
"""Whether mmcv's compiled CUDA ops can be used."""
import functools

import torch


@functools.lru_cache(maxsize=None)
def mmcv_correlation_available() -> bool:
    """True if ``mmcv.ops.Correlation`` has a CUDA kernel on this machine.

    A CPU-only mmcv build imports the op but raises when it runs, so the check
    runs it once on a tiny CUDA tensor.
    """
    if not torch.cuda.is_available():
        return False
    try:
        from mmcv.ops.correlation import CorrelationFunction
        probe = torch.zeros(1, 1, 3, 3, device='cuda')
        CorrelationFunction.apply(probe, probe, 1, 0, 1, 0, 1, 1)
    except (ImportError, RuntimeError):
        return False
    return True
