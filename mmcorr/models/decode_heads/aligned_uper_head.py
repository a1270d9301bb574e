# Copyright (c) mmcorr contributors. All rights reserved.
from typing import Dict, Optional

import torch
import torch.nn as nn
from mmseg.models.decode_heads import UPerHead
from mmseg.models.utils import resize

from mmcorr.registry import MODELS
from ..layers import FlowAlignmentModule


@MODELS.register_module()
class AlignedUPerHead(UPerHead):
    """mmseg's UPerHead with Flow Alignment Modules in its top-down path.

    UPerNet has no neck: its FPN lives in the head. This head takes the same
    arguments as :class:`mmseg.models.decode_heads.UPerHead` (swap
    ``type='mmcorr.AlignedUPerHead'`` in any UPerNet config) and replaces
    ``lat[i-1] + up(lat[i])`` by ``lat[i-1] + FAM(lat[i-1], lat[i])``.

    Args:
        fam_cfg (dict, optional): Extra arguments of
            :class:`FlowAlignmentModule`; its ``align_corners`` is the head's.
    """

    def __init__(self, fam_cfg: Optional[Dict] = None, **kwargs):
        super().__init__(**kwargs)
        self.fams = nn.ModuleList(
            FlowAlignmentModule(self.channels, self.channels // 2,
                                align_corners=self.align_corners,
                                **dict(fam_cfg or {}))
            for _ in self.lateral_convs)

    def _forward_feature(self, inputs):
        """Fused feature ``[B, channels, H0, W0]`` before ``cls_seg``."""
        inputs = self._transform_inputs(inputs)
        laterals = [conv(inputs[i])
                    for i, conv in enumerate(self.lateral_convs)]
        laterals.append(self.psp_forward(inputs))
        for i in range(len(laterals) - 1, 0, -1):
            laterals[i - 1] = laterals[i - 1] + self.fams[i - 1](
                laterals[i - 1], laterals[i])
        outs = [conv(lateral)
                for conv, lateral in zip(self.fpn_convs, laterals)]
        outs.append(laterals[-1])
        size = outs[0].shape[2:]
        outs = [outs[0]] + [
            resize(o, size=size, mode='bilinear',
                   align_corners=self.align_corners) for o in outs[1:]
        ]
        return self.fpn_bottleneck(torch.cat(outs, dim=1))
