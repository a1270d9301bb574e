# Copyright (c) mmcorr contributors. All rights reserved.
"""Optimizer wrappers."""
from .bf16_autocast_optim_wrapper import BF16AutocastOptimWrapper

__all__ = ['BF16AutocastOptimWrapper']
