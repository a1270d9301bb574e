# Copyright (c) mmcorr contributors. All rights reserved.
"""AlignSeg's decoder blocks (Huang et al., TPAMI 2021).

- :class:`ResidualRefinementBlock` (RRB): 1x1 projection plus a residual
  3x3 -> 3x3 refinement, normalised and activated after the sum.
- :class:`AlignedFeatureAggregation` (AlignFA, ``CAB`` in the official code):
  upsample the high-level map, predict one offset field for it and one for the
  low-level map from their concatenation, warp both, sum.
- :class:`AlignedContextModule` (AlignCM, ``CAM`` in the official code): a
  pooled ``3 x 3`` context map sampled onto the full grid at predicted
  offsets, plus a per-pixel ``adapt`` branch.

The official norms are ``InPlaceABNSync``: (Sync)BatchNorm followed by
LeakyReLU(0.01), hence the default ``act_cfg``. Every warp goes through
:func:`mmcorr.ops.flow_warp`:

- ``grid_convention='pixel'`` (default): offsets in output pixels, zero offset
  is the identity (CAB) or the corner-aligned resize (CAM, with
  ``align_corners=True``). This is the official
  ``bilinear_interpolate_torch_gridsample2`` ("standard implementation").
- ``grid_convention='alignseg_legacy'``: what the official ``forward`` calls
  (``bilinear_interpolate_torch_gridsample``), needed for official weights;
  zero offset is not the identity there (``docs/conventions.md``).
"""
import warnings
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_activation_layer, build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor

from mmcorr.ops import GRID_CONVENTIONS, flow_warp

__all__ = [
    'ResidualRefinementBlock', 'AlignedFeatureAggregation',
    'AlignedContextModule', 'ABN_ACT_CFG'
]

#: inplace_abn's default activation, used after every decoder norm.
ABN_ACT_CFG = dict(type='LeakyReLU', negative_slope=0.01)
_DEFAULT_NORM_CFG = dict(type='BN', requires_grad=True)


def check_feature(x: Tensor, channels: int, name: str) -> None:
    """Raise a clear error unless ``x`` is ``[B, channels, H, W]``."""
    if not isinstance(x, Tensor) or x.dim() != 4:
        shape = tuple(x.shape) if isinstance(x, Tensor) else type(x)
        raise ValueError(f'{name} must be a [B, C, H, W] tensor, got {shape}')
    if x.shape[1] != channels:
        raise ValueError(f'{name} must have {channels} channels, got '
                         f'{x.shape[1]} (shape {tuple(x.shape)})')


def _check_convention(grid_convention: str) -> None:
    if grid_convention not in ('pixel', 'alignseg_legacy'):
        raise ValueError(
            f'grid_convention must be \'pixel\' or \'alignseg_legacy\' for '
            f'AlignSeg blocks, got {grid_convention!r} (all conventions: '
            f'{GRID_CONVENTIONS})')


def _conv(in_channels: int, out_channels: int, kernel_size: int,
          **kwargs) -> ConvModule:
    """A bias-free conv without norm or activation, as a ConvModule."""
    return ConvModule(
        in_channels,
        out_channels,
        kernel_size,
        padding=kernel_size // 2,
        bias=False,
        norm_cfg=None,
        act_cfg=None,
        **kwargs)


def _conv_abn(in_channels: int, out_channels: int, kernel_size: int,
              norm_cfg: dict, act_cfg: Optional[dict]) -> ConvModule:
    """Bias-free conv -> norm -> activation (conv + ``InPlaceABNSync``)."""
    return ConvModule(
        in_channels,
        out_channels,
        kernel_size,
        padding=kernel_size // 2,
        bias=False,
        norm_cfg=norm_cfg,
        act_cfg=act_cfg)


def offset_branch(in_channels: int, channels: int, norm_cfg: dict,
                  act_cfg: Optional[dict]) -> nn.Sequential:
    """1x1 conv -> ABN -> 3x3 conv to a 2-channel (x, y) offset field.

    ``[B, in_channels, H, W] -> [B, 2, H, W]``. Call :func:`zero_last_conv`
    to start from zero offsets, as the official code does.
    """
    return nn.Sequential(
        _conv_abn(in_channels, channels, 1, norm_cfg, act_cfg),
        _conv(channels, 2, 3))


def zero_last_conv(branch: nn.Sequential) -> None:
    """Zero the final conv of an :func:`offset_branch` (zero offsets)."""
    nn.init.zeros_(branch[-1].conv.weight)


class _AlignSegBlock(BaseModule):
    """Shared options: warp convention and upsampling corner alignment."""

    def __init__(self, grid_convention: str, align_corners: bool,
                 init_cfg: Optional[dict]):
        super().__init__(init_cfg)
        _check_convention(grid_convention)
        self.grid_convention = grid_convention
        self.align_corners = align_corners

    def upsample(self, x: Tensor, size: Tuple[int, int]) -> Tensor:
        """Bilinear resize of ``[B, C, h, w]`` to ``[B, C, *size]``."""
        return F.interpolate(
            x, size=size, mode='bilinear', align_corners=self.align_corners)

    def warp(self, feat: Tensor, offset: Tensor) -> Tensor:
        """Sample ``feat [B, C, h, w]`` on ``offset``'s ``[B, 2, H, W]`` grid.

        With ``'pixel'`` the warp uses this block's ``align_corners``, so a
        zero offset reproduces :meth:`upsample` exactly; the legacy
        convention keeps its own (``False``, as the official call).
        """
        align_corners = self.align_corners \
            if self.grid_convention == 'pixel' else None
        return flow_warp(feat, offset, self.grid_convention, align_corners)


class ResidualRefinementBlock(BaseModule):
    """RRB: ``act(norm(u + conv2(conv1(u))))`` with ``u = unify(x)``.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels (official: 256).
        reduction (int): The residual path's bottleneck divides
            ``out_channels`` by this (official: 4).
        norm_cfg (dict): Norm after ``conv1`` and after the sum.
        act_cfg (dict): Activation after those norms (LeakyReLU(0.01)).
        init_cfg (dict, optional): mmengine initialisation config.

    Shapes:
        ``[B, in_channels, H, W] -> [B, out_channels, H, W]``.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 256,
                 reduction: int = 4,
                 norm_cfg: dict = _DEFAULT_NORM_CFG,
                 act_cfg: Optional[dict] = ABN_ACT_CFG,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        if out_channels % reduction:
            raise ValueError(f'out_channels ({out_channels}) must be '
                             f'divisible by reduction ({reduction})')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.unify = _conv(in_channels, out_channels, 1)
        mid_channels = out_channels // reduction
        self.conv1 = _conv_abn(out_channels, mid_channels, 3, norm_cfg,
                               act_cfg)
        self.conv2 = _conv(mid_channels, out_channels, 3)
        self.norm = build_norm_layer(norm_cfg, out_channels)[1]
        self.act = build_activation_layer(act_cfg) if act_cfg \
            else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        check_feature(x, self.in_channels, 'RRB input')
        x = self.unify(x)
        return self.act(self.norm(x + self.conv2(self.conv1(x))))


class AlignedFeatureAggregation(_AlignSegBlock):
    """AlignFA (official ``CAB``): align and sum a low and a high feature.

    The high feature is first upsampled to the low one's size; from
    ``cat([low, high_up])`` two independent branches predict the offsets of
    ``high_up`` (official ``delta_gen1``) and of ``low`` (``delta_gen2``);
    both are warped and summed. The last conv of each branch starts at zero.

    Args:
        channels (int): Channels of both inputs and of the output (256).
        norm_cfg (dict): Norm inside the offset branches.
        act_cfg (dict): Activation after that norm (LeakyReLU(0.01)).
        grid_convention (str): ``'pixel'`` or ``'alignseg_legacy'``.
        align_corners (bool): Of the bilinear upsampling (official: True).
        init_cfg (dict, optional): mmengine initialisation config.

    Shapes:
        ``low [B, C, H, W]``, ``high [B, C, h, w]`` -> ``[B, C, H, W]``.
    """

    def __init__(self,
                 channels: int = 256,
                 norm_cfg: dict = _DEFAULT_NORM_CFG,
                 act_cfg: Optional[dict] = ABN_ACT_CFG,
                 grid_convention: str = 'pixel',
                 align_corners: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(grid_convention, align_corners, init_cfg)
        self.channels = channels
        self.high_offset = offset_branch(2 * channels, channels, norm_cfg,
                                         act_cfg)
        self.low_offset = offset_branch(2 * channels, channels, norm_cfg,
                                        act_cfg)
        self._zero_offsets()

    def _zero_offsets(self) -> None:
        zero_last_conv(self.high_offset)
        zero_last_conv(self.low_offset)

    def init_weights(self) -> None:
        super().init_weights()
        self._zero_offsets()

    def forward(self, low: Tensor, high: Tensor) -> Tensor:
        check_feature(low, self.channels, 'low feature')
        check_feature(high, self.channels, 'high feature')
        if low.shape[0] != high.shape[0]:
            raise ValueError(f'batch sizes differ: low {low.shape[0]}, high '
                             f'{high.shape[0]}')
        high = self.upsample(high, low.shape[2:])
        both = torch.cat([low, high], dim=1)
        return self.warp(high, self.high_offset(both)) + \
            self.warp(low, self.low_offset(both))


class AlignedContextModule(_AlignSegBlock):
    """AlignCM (official ``CAM``): per-pixel sampling of a pooled context.

    ``context = convs(adaptive_avg_pool(x, pool_size))`` is a
    ``[B, C, pool_size, pool_size]`` map; ``adapted = convs(x)`` is
    ``[B, C, H, W]``. An offset field predicted from
    ``cat([adapted, upsample(context)])`` samples ``context`` onto the
    ``H x W`` grid; the output is that sample plus ``adapted``. The offset
    branch's last conv starts at zero.

    Args:
        in_channels (int): Input channels (official: 2048, ResNet C5).
        channels (int): Output channels (256).
        pool_size (int): Side of the pooled context grid (3).
        norm_cfg (dict): Norm after every conv but the offset's last.
        act_cfg (dict): Activation after those norms (LeakyReLU(0.01)).
        grid_convention (str): ``'pixel'`` or ``'alignseg_legacy'``.
        align_corners (bool): Of the upsampled context that feeds the offset
            branch (official: True).
        init_cfg (dict, optional): mmengine initialisation config.

    Shapes:
        ``[B, in_channels, H, W] -> [B, channels, H, W]``.
    """

    def __init__(self,
                 in_channels: int = 2048,
                 channels: int = 256,
                 pool_size: int = 3,
                 norm_cfg: dict = _DEFAULT_NORM_CFG,
                 act_cfg: Optional[dict] = ABN_ACT_CFG,
                 grid_convention: str = 'pixel',
                 align_corners: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(grid_convention, align_corners, init_cfg)
        self.in_channels = in_channels
        self.channels = channels
        self.pool = nn.AdaptiveAvgPool2d(pool_size)
        self.context = self._two_convs(in_channels, channels, norm_cfg,
                                       act_cfg)
        self.adapt = self._two_convs(in_channels, channels, norm_cfg, act_cfg)
        self.offset = offset_branch(2 * channels, channels, norm_cfg, act_cfg)
        zero_last_conv(self.offset)

    @staticmethod
    def _two_convs(in_channels, channels, norm_cfg, act_cfg) -> nn.Sequential:
        """1x1 conv -> ABN -> 3x3 conv -> ABN, ``in_channels -> channels``."""
        return nn.Sequential(
            _conv_abn(in_channels, in_channels, 1, norm_cfg, act_cfg),
            _conv_abn(in_channels, channels, 3, norm_cfg, act_cfg))

    def init_weights(self) -> None:
        super().init_weights()
        zero_last_conv(self.offset)

    def forward(self, x: Tensor) -> Tensor:
        check_feature(x, self.in_channels, 'context module input')
        context = self.context(self.pool(x))
        adapted = self.adapt(x)
        context_up = self.upsample(context, x.shape[2:])
        offset = self.offset(torch.cat([adapted, context_up], dim=1))
        return self.warp(context, offset) + adapted


def build_head_conv(in_channels: int, channels: int, conv_cfg: Optional[dict],
                    norm_cfg: Optional[dict],
                    act_cfg: Optional[dict]) -> ConvModule:
    """3x3 conv *with* bias -> norm -> act, as the official head and DSN.

    The bias before the norm is redundant but official (its weights exist in
    the checkpoints), so mmcv's warning about it is silenced here only.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            'ignore', message='Unnecessary conv bias before batch')
        return ConvModule(
            in_channels,
            channels,
            3,
            padding=1,
            bias=True,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
