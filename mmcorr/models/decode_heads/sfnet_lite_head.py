# Copyright (c) mmcorr contributors. All rights reserved.
"""SFNet-Lite's decode head (IJCV 2023)."""
from typing import Dict, Optional, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from torch import Tensor

from mmcorr.registry import MODELS
from ..layers import GatedDualFlowAlignmentModule, PyramidPoolingContext
from .sfnet_head import sfnet_lateral


@MODELS.register_module()
class SFNetLiteHead(BaseDecodeHead):
    """SFNet-Lite's head: one gated dual-flow alignment from the PPM output
    straight onto the finest level, plus a stride-16 lateral.

    ``inputs`` are three levels ``(x_fine, x_mid, x_coarse)`` (for ResNet-18:
    C2, C4, C5; C3 is not used); the output is
    ``conv_seg(fuse(cat[GD-FAM(lat0(x_fine), PPM(x_coarse)),
    up(lat1(x_mid))]))`` at the stride of ``x_fine``.

    Args:
        pool_scales (tuple[int]): PPM scales.
        fam_cfg (dict): Extra arguments of
            :class:`GatedDualFlowAlignmentModule`.
    """

    def __init__(self, pool_scales: Sequence[int] = (1, 2, 3, 6),
                 fam_cfg: Optional[Dict] = None, **kwargs):
        super().__init__(input_transform='multiple_select', **kwargs)
        if len(self.in_channels) != 3:
            raise ValueError('SFNetLiteHead takes 3 levels (fine, mid, '
                             f'coarse), got in_channels={self.in_channels}')
        self.ppm = PyramidPoolingContext(
            self.in_channels[-1], self.channels, pool_scales,
            conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg, align_corners=self.align_corners)
        self.lateral_convs = nn.ModuleList(
            sfnet_lateral(c, self.channels, self) for c in self.in_channels[:2])
        self.fam = GatedDualFlowAlignmentModule(
            self.channels, self.channels // 2,
            align_corners=self.align_corners, **dict(fam_cfg or {}))
        self.fusion_conv = ConvModule(
            2 * self.channels, self.channels, 3, padding=1,
            conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)

    def forward(self, inputs) -> Tensor:
        """Logits ``[B, num_classes, H0, W0]`` at the stride of level 0."""
        fine, mid, coarse = self._transform_inputs(inputs)
        fine = self.lateral_convs[0](fine)
        fused = self.fam(fine, self.ppm(coarse))
        mid = resize(self.lateral_convs[1](mid), size=fused.shape[2:],
                     mode='bilinear', align_corners=self.align_corners)
        return self.cls_seg(self.fusion_conv(torch.cat([fused, mid], 1)))
