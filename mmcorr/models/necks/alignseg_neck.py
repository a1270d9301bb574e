# Copyright (c) mmcorr contributors. All rights reserved.
"""AlignSeg's decoder as an mmseg neck: RRBs, four AlignFA (CAB), one AlignCM.

Data flow (the official ``ResNet.forward`` of ``networks/alignseg.py``), for
backbone maps ``x1..x4`` at strides 4, 8, 16, 32::

    d1 = RRB1a(x1)
    d2 = RRB2b(CAB2(d1, RRB2a(x2)))
    d3 = RRB3b(CAB3(d2, RRB3a(x3)))         # auxiliary (DSN) head reads d3
    d4 = RRB4b(CAB4(d3, RRB4a(x4)))
    d5 = RRB5b(CAB5(d4, RRB5a(CAM(x4))))    # main head reads d5

Every ``d`` is at stride 4 with ``channels`` channels: each CAB upsamples the
coarser map onto the running stride-4 map.
"""
from typing import Optional, Sequence, Tuple

from mmengine.model import BaseModule, ModuleList
from torch import Tensor

from mmcorr.registry import MODELS
from ..layers.alignseg_blocks import (ABN_ACT_CFG, AlignedContextModule,
                                      AlignedFeatureAggregation,
                                      ResidualRefinementBlock)

__all__ = ['AlignSegNeck']


@MODELS.register_module()
class AlignSegNeck(BaseModule):
    """AlignSeg decoder: bottom-up aligned aggregation at stride 4.

    Args:
        in_channels (Sequence[int]): Channels of the four backbone maps
            (ResNet-101: ``(256, 512, 1024, 2048)``).
        channels (int): Decoder width (official: 256).
        context_pool_size (int): Pooled grid of the context module (3).
        norm_cfg (dict): Norm of every decoder block (official: SyncBN).
        act_cfg (dict): Activation after every decoder norm (official:
            LeakyReLU(0.01), inplace_abn's default).
        grid_convention (str): ``'pixel'`` or ``'alignseg_legacy'`` (the
            official warp; needed for official weights).
        align_corners (bool): Of the bilinear upsampling in the CABs and the
            context module (official: True).
        init_cfg (dict, optional): mmengine initialisation config.

    Shapes:
        inputs: four maps ``[B, in_channels[i], H_i, W_i]`` at strides 4, 8,
        16, 32. Returns ``(d3, d5)``, both ``[B, channels, H_0, W_0]``:
        index 0 feeds the auxiliary head, index 1 the main head.

    Submodules (official names in brackets): ``lateral_rrbs`` [RRB1a..RRB4a],
    ``context`` [CAM], ``context_rrb`` [RRB5a], ``aggregations``
    [CAB2..CAB5], ``output_rrbs`` [RRB2b..RRB5b].
    """

    def __init__(self,
                 in_channels: Sequence[int] = (256, 512, 1024, 2048),
                 channels: int = 256,
                 context_pool_size: int = 3,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 act_cfg: Optional[dict] = ABN_ACT_CFG,
                 grid_convention: str = 'pixel',
                 align_corners: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        if len(in_channels) != 4:
            raise ValueError('AlignSegNeck takes four backbone levels '
                             f'(strides 4..32), got in_channels={in_channels}')
        self.in_channels = tuple(in_channels)
        self.channels = channels
        # mmengine's ModuleList passes init_weights on, so the CABs re-zero
        # their offsets after any init_cfg of this neck
        norm_act = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        align = dict(
            grid_convention=grid_convention, align_corners=align_corners)
        self.lateral_rrbs = ModuleList(
            ResidualRefinementBlock(c, channels, **norm_act)
            for c in in_channels)
        self.context = AlignedContextModule(in_channels[-1], channels,
                                            context_pool_size, **norm_act,
                                            **align)
        self.context_rrb = ResidualRefinementBlock(channels, channels,
                                                   **norm_act)
        self.aggregations = ModuleList(
            AlignedFeatureAggregation(channels, **norm_act, **align)
            for _ in range(4))
        self.output_rrbs = ModuleList(
            ResidualRefinementBlock(channels, channels, **norm_act)
            for _ in range(4))

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        if len(inputs) != 4:
            raise ValueError(f'AlignSegNeck expects 4 backbone maps, got '
                             f'{len(inputs)}')
        highs = [rrb(x) for rrb, x in zip(self.lateral_rrbs[1:], inputs[1:])]
        highs.append(self.context_rrb(self.context(inputs[-1])))
        aggregated = self.lateral_rrbs[0](inputs[0])
        outs = []
        for high, cab, rrb in zip(highs, self.aggregations, self.output_rrbs):
            aggregated = rrb(cab(aggregated, high))
            outs.append(aggregated)  # d2, d3, d4, d5
        return outs[1], outs[3]
