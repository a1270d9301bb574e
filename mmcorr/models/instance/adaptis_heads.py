# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS' heads: the point-conditioned instance-selection head and the
plain convolutional heads (semantic, point proposals).

The instance head sees the backbone map once per query point: the point's
controller vector sets the AdaIN statistics of a small fully convolutional
network that also sees relative coordinates centred on the point, and
outputs one logit map per point, the mask of the object under it.
"""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import DepthwiseSeparableConvModule
from torch import Tensor

from mmcorr.ops import sample_points
from mmcorr.registry import MODELS
from ..layers.adaptis_blocks import (AdaptiveInstanceNorm,
                                     RelativeCoordFeatures, conv_act_norm)

#: ``(controller input, first-conv response to the map)``: see
#: :meth:`AdaptISInstanceHead.point_invariant_states`.
PointInvariantStates = Tuple[Tensor, Tensor]

__all__ = [
    'AdaptISInstanceHead', 'AdaptISSepConvInstanceHead', 'ConvStackHead',
    'separable_conv'
]


def separable_conv(in_channels: int, out_channels: int,
                   norm_cfg: dict = dict(type='BN')) -> nn.Module:
    """AdaptIS' ``SeparableConv2D``: 3 x 3 depthwise conv (no bias, no norm,
    no activation) -> 1 x 1 conv (no bias) -> BN -> ReLU, as mmcv's
    ``DepthwiseSeparableConvModule``."""
    return DepthwiseSeparableConvModule(
        in_channels,
        out_channels,
        3,
        padding=1,
        bias=False,
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU'),
        dw_norm_cfg=None,
        dw_act_cfg=None)


@MODELS.register_module()
class ConvStackHead(nn.Module):
    """``num_convs`` conv layers then a 1 x 1 conv to ``out_channels``.

    - ``separable=False``: AdaptIS' toy ``ConvHead``, (3 x 3 conv -> ReLU
      -> BN) at the input width (toy semantic head: 3 convs, 2 classes;
      toy proposal head: 2 convs, 1 logit).
    - ``separable=True``: its Cityscapes ``SepConvHead``, separable convs
      (:func:`separable_conv`) to ``channels`` (semantic: 192 wide;
      proposals: 128 wide with dropout 0.5 after the first).

    Shapes: ``[B, in_channels, h, w] -> [B, out_channels, h, w]``.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_convs: int = 2,
                 channels: Optional[int] = None,
                 separable: bool = False,
                 dropout_ratio: float = 0.0,
                 dropout_index: int = 0,
                 norm_cfg: dict = dict(type='BN')):
        super().__init__()
        channels = in_channels if channels is None else channels
        if not separable and channels != in_channels:
            raise ValueError('the plain ConvStackHead keeps its input width '
                             f'({in_channels}), got channels={channels}')
        layer = separable_conv if separable else conv_act_norm
        self.convs = nn.ModuleList([
            layer(in_channels if i == 0 else channels, channels,
                  norm_cfg=norm_cfg) for i in range(num_convs)
        ])
        self.dropout = nn.Dropout2d(dropout_ratio) if dropout_ratio > 0 \
            else None
        self.dropout_index = dropout_index
        self.cls = nn.Conv2d(channels, out_channels, 1)

    def forward(self, feat: Tensor) -> Tensor:
        for i, conv in enumerate(self.convs):
            feat = conv(feat)
            if self.dropout is not None and i == self.dropout_index:
                feat = self.dropout(feat)
        return self.cls(feat)


@MODELS.register_module()
class AdaptISInstanceHead(nn.Module):
    """The instance-selection network (toy variant of the official code).

    Per point: the controller's vector at the point (bilinear,
    :func:`mmcorr.ops.sample_points`) -> AdaIN statistics; the backbone map
    with relative coordinates prepended -> ``num_convs`` x (3 x 3 conv ->
    ReLU -> BN) -> AdaIN -> 3 x 3 conv to ``channels // 2`` -> ReLU -> BN ->
    1 x 1 conv -> one logit map, rescaled as ``a x + b``
    (``output_affine``; the toy model's ``(0.2, -1.7)`` starts every
    pixel near ``sigmoid(-1.7) = 0.15``). The first conv's response to the
    map is computed once per image (:meth:`point_invariant_states`), the
    same function as convolving each point's concatenation.

    Args:
        in_channels (int): Backbone channels.
        controller (dict): A controller config (``ConvMapController`` reads
            the map, then the point; ``FCController`` the point, then its
            layers); its input channels are filled in.
        channels (int): Width of the selection network.
        num_convs (int): Convs before AdaIN.
        norm_radius (float): Relative coordinates' radius, input pixels.
        with_distance (bool): Add the distance channel.
        spatial_scale (float): Feature pixels per input pixel (points are
            in input pixels).
        output_affine (tuple, optional): ``(a, b)`` of the output rescale.
        legacy_shift_plus_one (bool): AdaIN's PyTorch-port quirk
            (:class:`AdaptiveInstanceNorm`).
        norm_cfg (dict): Normalisation of the convs.
    """

    def __init__(self,
                 in_channels: int,
                 controller: dict = dict(type='ConvMapController'),
                 channels: int = 32,
                 num_convs: int = 3,
                 norm_radius: float = 42,
                 with_distance: bool = True,
                 spatial_scale: float = 1.0,
                 output_affine: Optional[Sequence[float]] = (0.2, -1.7),
                 legacy_shift_plus_one: bool = False,
                 norm_cfg: dict = dict(type='BN')):
        super().__init__()
        self.spatial_scale = float(spatial_scale)
        self.controller = MODELS.build(
            dict(controller, in_channels=in_channels))
        self.coords = RelativeCoordFeatures(norm_radius, with_distance,
                                            spatial_scale)
        self.pre_adain = self.build_pre_adain(
            in_channels + self.coords.num_channels, channels, num_convs,
            norm_cfg)
        self._check_first_conv()
        self.adain = AdaptiveInstanceNorm(
            self.controller.out_channels,
            channels,
            legacy_shift_plus_one=legacy_shift_plus_one)
        self.post_adain, width = self.build_post_adain(channels, norm_cfg)
        self.logit = nn.Conv2d(width, 1, 1)
        self.output_affine = None if output_affine is None else \
            tuple(float(v) for v in output_affine)

    @staticmethod
    def build_pre_adain(in_channels: int, channels: int, num_convs: int,
                        norm_cfg: dict) -> nn.Module:
        """Toy: ``num_convs`` x (3 x 3 conv -> ReLU -> BN)."""
        return nn.Sequential(*[
            conv_act_norm(in_channels if i == 0 else channels, channels,
                          norm_cfg=norm_cfg) for i in range(num_convs)
        ])

    @staticmethod
    def build_post_adain(channels: int, norm_cfg: dict):
        """Toy: 3 x 3 conv to ``channels // 2`` -> ReLU -> BN; returns the
        module and its output width."""
        return conv_act_norm(channels, channels // 2,
                             norm_cfg=norm_cfg), channels // 2

    def controller_input(self, feat: Tensor) -> Tensor:
        """What the points are read from: the controller's map for a
        map controller, else the backbone map."""
        return self.controller(feat) if self.controller.reads_map else feat

    def point_invariant_states(self, feat: Tensor) -> PointInvariantStates:
        """What every point of an image shares, computed once per image:
        the controller's input and the first conv's response to the
        backbone map (``[B, channels, h, w]``, before its bias).

        The first conv sees the coordinates prepended to the map; a conv
        is linear in its input channels, so its output is the response to
        the map (shared by all points) plus the response to the point's
        2-3 coordinate channels: ``K`` points cost one conv of the map
        and ``K`` convs of 3 channels instead of ``K`` convs of ``C + 3``.
        """
        conv = self._first_conv()
        num_coords = self.coords.num_channels
        response = F.conv2d(feat, conv.weight[:, num_coords:], None,
                            conv.stride, conv.padding, conv.dilation)
        return self.controller_input(feat), response

    def _first_conv(self) -> nn.Conv2d:
        return self.pre_adain[0].conv

    def _check_first_conv(self) -> None:
        """The split of :meth:`point_invariant_states` needs a plain
        zero-padded conv module (conv -> act -> norm) first."""
        first = self.pre_adain[0]
        conv = getattr(first, 'conv', None)
        if not isinstance(conv, nn.Conv2d) or conv.groups != 1 or \
                conv.padding_mode != 'zeros' or first.order[0] != 'conv':
            raise TypeError('the instance head\'s first layer must be a '
                            'ConvModule with an ungrouped, zero-padded conv '
                            f'first, got {first}')

    def _first_layer(self, response: Tensor, points: Tensor) -> Tensor:
        """The first conv module on ``[N, 2]`` points' coordinates and the
        map ``response`` repeated per point -> ``[N, channels, h, w]``."""
        conv = self._first_conv()
        num_coords = self.coords.num_channels
        # the weights' precision (under autocast float32, which the conv
        # then casts itself; a model cast to bfloat16 gets bfloat16)
        dtype = torch.promote_types(response.dtype, conv.weight.dtype)
        coords = self.coords.coord_maps(points.to(dtype), response.shape[2:])
        x = F.conv2d(coords, conv.weight[:, :num_coords], conv.bias,
                     conv.stride, conv.padding, conv.dilation)
        num_points = points.shape[0] // response.shape[0]
        x = x + response.repeat_interleave(num_points, dim=0)
        module = self.pre_adain[0]
        for layer in module.order[1:]:  # conv -> act -> norm
            if layer == 'act' and module.with_activation:
                x = module.activate(x)
            elif layer == 'norm' and module.with_norm:
                x = module.norm(x)
        return x

    def point_vectors(self, controller_input: Tensor,
                      points: Tensor) -> Tensor:
        """``[B, K, 2]`` points (input pixels) -> ``[B * K, C_w]`` controller
        vectors."""
        vectors = sample_points(controller_input,
                                points * self.spatial_scale)
        vectors = vectors.flatten(0, 1)
        return vectors if self.controller.reads_map else \
            self.controller(vectors)

    def forward(self,
                feat: Tensor,
                points: Tensor,
                states: Optional[PointInvariantStates] = None) -> Tensor:
        """One logit map per point.

        Args:
            feat (Tensor): ``[B, C, h, w]`` backbone features.
            points (Tensor): ``[B, K, 2]`` ``(x, y)`` in input pixels.
            states (tuple, optional): :meth:`point_invariant_states` of
                ``feat``, when the caller reuses them across calls (the
                greedy inference asks for a few points at a time).

        Returns:
            Tensor: ``[B * K, 1, h, w]`` logits, image-major (the points of
            image 0 first).
        """
        if points.dim() != 3 or points.shape[0] != feat.shape[0] or \
                points.shape[2] != 2:
            raise ValueError('points must be [B, K, 2] (x, y) with B = '
                             f'{feat.shape[0]}, got {tuple(points.shape)}')
        if states is None:
            states = self.point_invariant_states(feat)
        controller_input, response = states
        vectors = self.point_vectors(controller_input, points)
        x = self._first_layer(response, points.flatten(0, 1))
        x = self.adain(self.pre_adain[1:](x), vectors)
        x = self.logit(self.post_adain(x))
        if self.output_affine is not None:
            scale, bias = self.output_affine
            x = scale * x + bias
        return x


@MODELS.register_module()
class AdaptISSepConvInstanceHead(AdaptISInstanceHead):
    """The Cityscapes instance-selection network (official MXNet
    ``CityscapesAdaptISHead``): 3 x 3 conv -> ReLU -> BN -> separable conv
    -> 1 x 1 conv -> LeakyReLU(0.2) -> AdaIN -> separable convs to
    ``channels``, ``channels / 2``, ``channels / 4`` -> 1 x 1 conv; used
    with an ``FCController`` (3 x 128), radius 280 px, spatial scale 1/4
    and no output rescale. Arguments as :class:`AdaptISInstanceHead`
    (``num_convs`` unused).
    """

    def __init__(self, *args, output_affine=None, **kwargs):
        super().__init__(*args, output_affine=output_affine, **kwargs)

    @staticmethod
    def build_pre_adain(in_channels: int, channels: int, num_convs: int,
                        norm_cfg: dict) -> nn.Module:
        return nn.Sequential(
            conv_act_norm(in_channels, channels, norm_cfg=norm_cfg),
            separable_conv(channels, channels, norm_cfg),
            nn.Conv2d(channels, channels, 1),
            nn.LeakyReLU(0.2, inplace=True))

    @staticmethod
    def build_post_adain(channels: int, norm_cfg: dict):
        layers, width = [], channels
        for i in range(3):
            out = channels // 2**i
            layers.append(separable_conv(width, out, norm_cfg))
            width = out
        return nn.Sequential(*layers), width
