# Copyright (c) mmcorr contributors. All rights reserved.
"""AlignSeg's segmentation head (also its auxiliary DSN head)."""
from typing import Sequence

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from torch import Tensor

from mmcorr.registry import MODELS
from ..layers.alignseg_blocks import build_head_conv, check_feature

__all__ = ['AlignSegHead']


@MODELS.register_module()
class AlignSegHead(BaseDecodeHead):
    """3x3 conv (with bias) -> norm -> act -> Dropout2d -> 1x1 conv.

    The official ``head`` and ``dsn`` are both
    ``Conv3x3(bias) -> InPlaceABNSync -> Dropout2d(0.1) -> Conv1x1(bias)``;
    here the 1x1 conv is mmseg's ``conv_seg`` and the dropout is
    ``dropout_ratio`` (keep 0.1), both from :class:`BaseDecodeHead`. Use it as
    ``decode_head`` on the neck's d5 (``in_index=1`` of
    :class:`~mmcorr.models.necks.AlignSegNeck`) and as ``auxiliary_head`` on
    d3 (``in_index=0``). Set ``act_cfg=dict(type='LeakyReLU',
    negative_slope=0.01)`` for the official ABN.

    Shapes:
        selected input ``[B, in_channels, H, W]`` -> logits
        ``[B, out_channels, H, W]`` (stride 4 for AlignSeg; ``loss`` and
        ``predict`` resize them with ``align_corners``).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.input_transform is not None:
            raise ValueError('AlignSegHead reads one map; set in_index to an '
                             'int and leave input_transform None')
        self.conv_block = build_head_conv(self.in_channels, self.channels,
                                          self.conv_cfg, self.norm_cfg,
                                          self.act_cfg)

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        x = self._transform_inputs(inputs)
        check_feature(x, self.in_channels, 'AlignSegHead input')
        return self.cls_seg(self.conv_block(x))
