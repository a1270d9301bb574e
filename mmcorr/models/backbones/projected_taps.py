# Copyright (c) mmcorr contributors. All rights reserved.
"""Any backbone's feature maps, projected to the channels a head expects."""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from mmcorr.registry import MODELS

__all__ = ['ProjectedTaps']


@MODELS.register_module()
class ProjectedTaps(BaseModule):
    """Run ``backbone`` and give each of its outputs a 1x1 ConvModule
    (conv, norm, activation) to ``out_channels[i]`` channels.

    This is how a head built for one trunk's taps (ICNet's VGG16 taps of
    64/128/256/512/512 channels) takes another trunk's features (an
    ImageNet EfficientNet-Lite's 16/24/40/112/320): the spatial layout is
    the trunk's own (its strides), only the widths change. The projections
    are new layers (mmengine's default initialisation); the trunk keeps its
    ``init_cfg``.

    Args:
        backbone (dict): A registered backbone returning a tuple of maps.
        out_channels (Sequence[int]): One width per backbone output.
        in_channels (Sequence[int], optional): The backbone's output widths;
            taken from its ``out_channels`` property when not given.
        norm_cfg (dict, optional): Norm of each projection (BN).
        act_cfg (dict, optional): Activation of each projection (ReLU).

    Input ``[B, 3, H, W]``; outputs ``[B, out_channels[i], h_i, w_i]`` with
    the backbone's ``h_i, w_i``.
    """

    def __init__(self,
                 backbone: Dict,
                 out_channels: Sequence[int],
                 in_channels: Optional[Sequence[int]] = None,
                 norm_cfg: Optional[Dict] = dict(type='BN'),
                 act_cfg: Optional[Dict] = dict(type='ReLU'),
                 init_cfg: Optional[Dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        if in_channels is None:
            in_channels = getattr(self.backbone, 'out_channels', None)
            if in_channels is None:
                raise ValueError(
                    f'{type(self.backbone).__name__} does not say its output '
                    'widths (no out_channels property): give in_channels')
        if len(in_channels) != len(out_channels):
            raise ValueError(f'{len(in_channels)} backbone outputs '
                             f'({tuple(in_channels)}) but {len(out_channels)}'
                             f' out_channels ({tuple(out_channels)})')
        self.projections = nn.ModuleList(
            ConvModule(c_in, c_out, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)
            for c_in, c_out in zip(in_channels, out_channels))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        feats = self.backbone(x)
        if len(feats) != len(self.projections):
            raise ValueError(f'the backbone returned {len(feats)} maps, '
                             f'{len(self.projections)} projections are built')
        return tuple(p(f) for p, f in zip(self.projections, feats))
