# Copyright (c) mmcorr contributors. All rights reserved.
"""SFNet's decode head (ECCV 2020)."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from torch import Tensor

from mmcorr.registry import MODELS
from ..layers import FlowAlignmentModule, PyramidPoolingContext


def sfnet_lateral(in_channels: int, channels: int, head) -> ConvModule:
    """1x1 conv with bias + norm + act, SFNet's ``fpn_in``."""
    return ConvModule(in_channels, channels, 1, bias=True,
                      conv_cfg=head.conv_cfg, norm_cfg=head.norm_cfg,
                      act_cfg=head.act_cfg)


@MODELS.register_module()
class SFNetHead(BaseDecodeHead):
    """SFNet's decode head: PPM on the last level, top-down Flow Alignment
    Modules, multi-level fusion.

    For levels ``i = n-2 .. 0``: ``f = lateral_i(x_i) + FAM_i(lateral_i(x_i),
    f)`` starting from ``f = PPM(x_{n-1})``; each ``f`` goes through a 3x3
    conv, all levels are resized to the finest one, concatenated and fused by
    a 3x3 conv before ``conv_seg``. Output at the stride of ``inputs[0]``.

    With ``dsn_head`` set, one auxiliary mmseg decode head per FAM level reads
    that level's ``f`` during training (SFNet's deep supervision); their losses
    are added with the prefix ``dsn{i}.`` and they are not run at inference.

    Args:
        pool_scales (tuple[int]): PPM scales.
        fam_cfg (dict): Extra arguments of :class:`FlowAlignmentModule`
            (``grid_convention``, ``kernel_size``); its ``align_corners`` is
            the head's.
        dsn_head (dict, optional): Config of the deep-supervision head, e.g.
            ``dict(type='FCNHead', num_convs=1, ...)``; ``in_channels``,
            ``channels``, ``num_classes`` default to the head's.
        **kwargs: ``BaseDecodeHead`` arguments (``in_channels`` is a list,
            ``channels`` is SFNet's ``fpn_dim``).
    """

    def __init__(self,
                 pool_scales: Sequence[int] = (1, 2, 3, 6),
                 fam_cfg: Optional[Dict] = None,
                 dsn_head: Optional[Dict] = None,
                 **kwargs):
        super().__init__(input_transform='multiple_select', **kwargs)
        fam_cfg = dict(fam_cfg or {})
        self.ppm = PyramidPoolingContext(
            self.in_channels[-1], self.channels, pool_scales,
            conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg, align_corners=self.align_corners)
        self.lateral_convs = nn.ModuleList(
            sfnet_lateral(c, self.channels, self) for c in self.in_channels[:-1])
        self.fams = nn.ModuleList(
            FlowAlignmentModule(self.channels, self.channels // 2,
                                align_corners=self.align_corners, **fam_cfg)
            for _ in self.in_channels[:-1])
        self.fpn_convs = nn.ModuleList(
            ConvModule(self.channels, self.channels, 3, padding=1,
                       conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                       act_cfg=self.act_cfg) for _ in self.in_channels[:-1])
        self.fusion_conv = ConvModule(
            len(self.in_channels) * self.channels, self.channels, 3,
            padding=1, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.dsn_heads = None
        if dsn_head is not None:
            self.dsn_heads = nn.ModuleList(
                MODELS.build(self._dsn_cfg(dsn_head))
                for _ in self.in_channels[:-1])

    def _dsn_cfg(self, cfg: Dict) -> Dict:
        cfg = dict(cfg)
        for key, value in (('in_channels', self.channels),
                           ('channels', self.channels),
                           ('num_classes', self.num_classes),
                           ('align_corners', self.align_corners),
                           ('norm_cfg', self.norm_cfg)):
            cfg.setdefault(key, value)
        return cfg

    def _forward_levels(self, inputs) -> Tuple[Tensor, List[Tensor]]:
        """Fused feature ``[B, channels, H0, W0]`` and each level's ``f``."""
        x = self._transform_inputs(inputs)
        if len(x) != len(self.in_channels):
            raise ValueError(f'SFNetHead expects {len(self.in_channels)} '
                             f'levels, got {len(x)}')
        f = self.ppm(x[-1])
        outs, levels = [f], []
        for i in reversed(range(len(x) - 1)):
            lateral = self.lateral_convs[i](x[i])
            f = lateral + self.fams[i](lateral, f)
            levels.append(f)
            outs.append(self.fpn_convs[i](f))
        outs.reverse()
        size = outs[0].shape[2:]
        outs = [outs[0]] + [
            resize(o, size=size, mode='bilinear',
                   align_corners=self.align_corners) for o in outs[1:]
        ]
        return self.fusion_conv(torch.cat(outs, 1)), levels[::-1]

    def forward(self, inputs) -> Tensor:
        """Logits ``[B, num_classes, H0, W0]`` at the stride of level 0."""
        return self.cls_seg(self._forward_levels(inputs)[0])

    def loss(self, inputs, batch_data_samples, train_cfg) -> dict:
        fused, levels = self._forward_levels(inputs)
        losses = self.loss_by_feat(self.cls_seg(fused), batch_data_samples)
        for i, (head, f) in enumerate(zip(self.dsn_heads or [], levels)):
            dsn = head.loss_by_feat(head.forward([f]), batch_data_samples)
            losses.update({f'dsn{i}.{k}': v for k, v in dsn.items()})
        return losses
