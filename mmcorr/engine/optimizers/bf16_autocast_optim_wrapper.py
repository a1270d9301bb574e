# Copyright (c) mmcorr contributors. All rights reserved.
"""Mixed precision with bfloat16 on any device, the CPU included."""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from mmengine.runner.amp import autocast
from torch import nn

from mmcorr.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class BF16AutocastOptimWrapper(OptimWrapper):
    """An ``OptimWrapper`` whose forward passes run under bfloat16 autocast.

    mmengine's ``AmpOptimWrapper`` refuses to run without a GPU (it scales
    float16 losses with a CUDA grad scaler). bfloat16 has float32's exponent
    range, so its gradients need no scaling: this wrapper only enters
    ``torch.autocast(dtype=torch.bfloat16)`` on the model's device around
    the forward pass; parameters, gradients and the optimizer state stay
    float32, and autocast keeps its float32 list (losses, reductions) in
    float32. On a CPU with AVX-512 BF16 the convolutions of a ResNet run
    about twice as fast (``docs/benchmarks.md``).

    Use it as ``optim_wrapper=dict(type='BF16AutocastOptimWrapper',
    optimizer=...)``; it takes ``OptimWrapper``'s arguments.
    """

    @contextmanager
    def optim_context(self, model: nn.Module):
        device = next(model.parameters()).device.type
        with super().optim_context(model), autocast(device_type=device,
                                                    dtype=torch.bfloat16):
            yield
