# Copyright (c) mmcorr contributors. All rights reserved.
from typing import Dict, Optional

import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.necks import FPN

from mmcorr.registry import MODELS
from ..layers import FlowAlignmentModule


@MODELS.register_module()
class AlignedFPN(FPN):
    """mmseg's FPN with SFNet's Flow Alignment Modules in the top-down path.

    Same arguments and outputs as :class:`mmseg.models.necks.FPN`, so any
    mmseg model (FPNHead, UPerHead, ...) can swap its neck in config alone.
    Where FPN adds the upsampled coarser lateral, this neck adds the coarser
    lateral *aligned* to the finer one by a FAM:
    ``lat[i-1] = lat[i-1] + FAM(lat[i-1], lat[i])``.

    Args:
        fam_cfg (dict, optional): Arguments of :class:`FlowAlignmentModule`
            besides the channels (``grid_convention``, ``kernel_size``,
            ``align_corners``). The FAM reduces to ``out_channels // 2``.
        Other arguments are FPN's; extra output levels are max-pooled
        (``add_extra_convs=False``, FPN's default for segmentation).
    """

    def __init__(self, in_channels, out_channels, num_outs,
                 fam_cfg: Optional[Dict] = None, **kwargs):
        if kwargs.get('add_extra_convs', False):
            raise ValueError('AlignedFPN builds extra levels by max pooling '
                             'only; set add_extra_convs=False')
        super().__init__(in_channels, out_channels, num_outs, **kwargs)
        self.fams = nn.ModuleList(
            FlowAlignmentModule(out_channels, out_channels // 2,
                                **dict(fam_cfg or {}))
            for _ in range(len(self.lateral_convs) - 1))

    def forward(self, inputs):
        """``inputs``: one ``[B, C_i, H_i, W_i]`` map per ``in_channels``.

        Returns:
            tuple[Tensor]: ``num_outs`` maps of ``out_channels`` channels.
        """
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'AlignedFPN expects {len(self.in_channels)} '
                             f'inputs, got {len(inputs)}')
        laterals = [
            lateral_conv(inputs[i + self.start_level])
            for i, lateral_conv in enumerate(self.lateral_convs)
        ]
        for i in range(len(laterals) - 1, 0, -1):
            laterals[i - 1] = laterals[i - 1] + self.fams[i - 1](
                laterals[i - 1], laterals[i])
        outs = [conv(lateral)
                for conv, lateral in zip(self.fpn_convs, laterals)]
        while len(outs) < self.num_outs:
            outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return tuple(outs)
