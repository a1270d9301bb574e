# Copyright (c) mmcorr contributors. All rights reserved.
"""Shared by the AlignSeg tests (blocks, converter)."""
import torch


def randn(*shape):
    return torch.randn(*shape, dtype=torch.float64)
