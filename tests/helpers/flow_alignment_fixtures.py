# Copyright (c) mmcorr contributors. All rights reserved.
"""Shared by the flow alignment tests (FAM layers, AlignedFPN)."""
import torch


def zero_flow(module):
    torch.nn.init.zeros_(module.flow_conv.weight)
    return module
