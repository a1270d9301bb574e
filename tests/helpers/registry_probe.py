# Copyright (c) mmcorr contributors. All rights reserved.
"""A neck registered in mmcorr's MODELS, imported by tests via custom_imports."""
import torch.nn as nn

from mmcorr.registry import MODELS


@MODELS.register_module(force=True)
class RegistryProbeNeck(nn.Module):
    """1x1 convolutions from ``in_channels`` to ``out_channels`` per level."""

    def __init__(self, in_channels, out_channels, num_outs=None):
        super().__init__()
        self.convs = nn.ModuleList(
            nn.Conv2d(c, out_channels, 1) for c in in_channels)

    def forward(self, inputs):
        return tuple(conv(x) for conv, x in zip(self.convs, inputs))
