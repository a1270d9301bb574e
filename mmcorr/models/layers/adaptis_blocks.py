# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS' building blocks (Sofiiuk et al., ICCV 2019).

- :class:`RelativeCoordFeatures`: relative CoordConv, the offsets of every
  pixel from the query point (and their length) in units of a radius,
  clipped to ``[-1, 1]``.
- :class:`AdaptiveInstanceNorm`: AdaIN, instance normalisation whose
  per-channel scale and shift are linear functions of a controller vector.
- :class:`ConvMapController` (toy model: 1 x 1 convs over the whole map,
  read at the point afterwards) and :class:`FCController` (Cityscapes:
  fully connected layers on the point's feature vector).
- :func:`conv_act_norm`: AdaptIS' conv -> ReLU -> BN unit (the normalisation
  comes after the activation throughout the official code), as mmcv's
  ``ConvModule`` with ``order=('conv', 'act', 'norm')``.
"""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_norm_layer
from torch import Tensor

from mmcorr.registry import MODELS

__all__ = [
    'RelativeCoordFeatures', 'AdaptiveInstanceNorm', 'ConvMapController',
    'FCController', 'conv_act_norm'
]

#: AdaptIS' order: the normalisation follows the activation.
CONV_ACT_NORM = ('conv', 'act', 'norm')


def conv_act_norm(in_channels: int,
                  out_channels: int,
                  kernel_size: int = 3,
                  bias: bool = True,
                  norm_cfg: Optional[dict] = dict(type='BN'),
                  act_cfg: Optional[dict] = dict(type='ReLU')) -> ConvModule:
    """A ``kernel_size`` conv ('same' padding) -> activation -> norm."""
    return ConvModule(
        in_channels,
        out_channels,
        kernel_size,
        padding=kernel_size // 2,
        bias=bias,
        norm_cfg=norm_cfg,
        act_cfg=act_cfg,
        order=CONV_ACT_NORM)


@MODELS.register_module()
class RelativeCoordFeatures(nn.Module):
    """Relative CoordConv: prepend the offsets from a query point.

    For the feature pixel ``(i, j)`` (row, column) and the point ``(x, y)``
    given in input pixels, the channels are ``(i - s y) / (s R)``,
    ``(j - s x) / (s R)`` and, with ``with_distance``, the length of that
    vector, each clipped to ``[-1, 1]`` (``s`` = ``spatial_scale``, the
    feature map's size over the input's; ``R`` = ``norm_radius``). The row
    offset comes first, as in AdaptIS' ``AppendCoordFeatures`` (whose
    points are ``(row, col)``), so that official weights load unchanged.

    Args:
        norm_radius (float): ``R``, in input pixels (toy 42, Cityscapes 280).
        with_distance (bool): Add the distance channel.
        spatial_scale (float): Feature pixels per input pixel.
    """

    def __init__(self,
                 norm_radius: float,
                 with_distance: bool = True,
                 spatial_scale: float = 1.0):
        super().__init__()
        if norm_radius <= 0 or spatial_scale <= 0:
            raise ValueError('norm_radius and spatial_scale must be positive, '
                             f'got {norm_radius} and {spatial_scale}')
        self.norm_radius = float(norm_radius)
        self.with_distance = with_distance
        self.spatial_scale = float(spatial_scale)

    @property
    def num_channels(self) -> int:
        """Channels this layer prepends (2 or 3)."""
        return 3 if self.with_distance else 2

    def coord_maps(self, points: Tensor, size: Sequence[int]) -> Tensor:
        """The coordinate channels alone.

        Args:
            points (Tensor): ``[N, 2]`` ``(x, y)`` in input pixels.
            size (tuple[int, int]): ``(h, w)`` of the feature map.

        Returns:
            Tensor: ``[N, 2 or 3, h, w]`` (row offset, column offset,
            distance) in ``[-1, 1]``.
        """
        height, width = size
        kwargs = dict(dtype=points.dtype, device=points.device)
        rows = torch.arange(height, **kwargs).view(1, height, 1)
        cols = torch.arange(width, **kwargs).view(1, 1, width)
        scale = self.spatial_scale
        unit = self.norm_radius * scale
        d_row = (rows - scale * points[:, 1, None, None]) / unit
        d_col = (cols - scale * points[:, 0, None, None]) / unit
        d_row, d_col = torch.broadcast_tensors(d_row, d_col)
        maps = [d_row, d_col]
        if self.with_distance:
            maps.append(torch.sqrt(d_row.square() + d_col.square()))
        return torch.stack(maps, dim=1).clamp(-1, 1)

    def forward(self, feat: Tensor, points: Tensor) -> Tensor:
        """Prepend the coordinate channels of each point to its map.

        Args:
            feat (Tensor): ``[N, C, h, w]``, one map per point.
            points (Tensor): ``[N, 2]`` ``(x, y)`` in input pixels.

        Returns:
            Tensor: ``[N, C + 2 or 3, h, w]``, the coordinates first.
        """
        if points.dim() != 2 or points.shape != (feat.shape[0], 2):
            raise ValueError('points must be [N, 2] (x, y), one per map of '
                             f'feat [N, C, h, w] = {tuple(feat.shape)}, got '
                             f'{tuple(points.shape)}')
        coords = self.coord_maps(points.to(feat.dtype), feat.shape[2:])
        return torch.cat((coords, feat), dim=1)


@MODELS.register_module()
class AdaptiveInstanceNorm(nn.Module):
    """AdaIN: ``IN(x) * gamma(w) + beta(w)``, ``gamma``/``beta`` linear.

    Instance normalisation without affine parameters (each channel of each
    sample to zero mean and unit variance over ``h x w``), then a
    per-sample, per-channel scale ``gamma = A_s w + b_s`` and shift
    ``beta = A_b w + b_b``.

    The official MXNet code initialises ``b_s`` to 1 (``gamma`` starts at
    1: the layer starts as plain instance normalisation); that is the
    default here. The official PyTorch port instead adds 1 to the SHIFT in
    the forward pass (its comment: "compensates zero initialization"), so
    that ``beta`` starts near 1 and ``gamma`` near 0:
    ``legacy_shift_plus_one=True`` reproduces it (for its checkpoints),
    and then ``b_s`` keeps PyTorch's default initialisation.

    Args:
        controller_channels (int): Length of the controller vector ``w``.
        channels (int): Channels of ``x``.
        eps (float): Added to the variance (the PyTorch port's
            ``InstanceNorm2d``: 1e-5; MXNet's adds none).
        legacy_shift_plus_one (bool): The PyTorch port's ``1 + beta``.
    """

    def __init__(self,
                 controller_channels: int,
                 channels: int,
                 eps: float = 1e-5,
                 legacy_shift_plus_one: bool = False):
        super().__init__()
        self.channels = channels
        self.eps = eps
        self.legacy_shift_plus_one = legacy_shift_plus_one
        self.affine_scale = nn.Linear(controller_channels, channels)
        self.affine_shift = nn.Linear(controller_channels, channels)
        self.reset_scale_bias()

    def reset_scale_bias(self) -> None:
        """``gamma``'s bias to 1 (MXNet); kept as it is for the legacy
        port, whose ``+1`` sits on the shift."""
        if not self.legacy_shift_plus_one:
            nn.init.ones_(self.affine_scale.bias)

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        """
        Args:
            x (Tensor): ``[N, C, h, w]``.
            w (Tensor): ``[N, controller_channels]``.

        Returns:
            Tensor: ``[N, C, h, w]``.
        """
        if x.dim() != 4 or x.shape[1] != self.channels or \
                w.shape != (x.shape[0], self.affine_scale.in_features):
            raise ValueError(
                f'AdaIN expects x [N, {self.channels}, h, w] and w [N, '
                f'{self.affine_scale.in_features}], got {tuple(x.shape)} and '
                f'{tuple(w.shape)}')
        gamma = self.affine_scale(w)[:, :, None, None]
        beta = self.affine_shift(w)[:, :, None, None]
        if self.legacy_shift_plus_one:
            beta = beta + 1
        return F.instance_norm(x, eps=self.eps) * gamma + beta


@MODELS.register_module()
class ConvMapController(nn.Module):
    """AdaptIS' toy controller (``SimpleConvController``): ``num_layers``
    x (1 x 1 conv -> ReLU -> BN) over the whole feature map; the model reads
    the result at each point (``reads_map = True``).

    Shapes: ``[B, C_in, h, w] -> [B, channels, h, w]``.
    """
    reads_map = True

    def __init__(self,
                 in_channels: int,
                 channels: int = 32,
                 num_layers: int = 3,
                 norm_cfg: dict = dict(type='BN')):
        super().__init__()
        self.out_channels = channels
        self.layers = nn.Sequential(*[
            conv_act_norm(in_channels if i == 0 else channels, channels, 1,
                          norm_cfg=norm_cfg) for i in range(num_layers)
        ])

    def forward(self, feat: Tensor) -> Tensor:
        return self.layers(feat)


@MODELS.register_module()
class FCController(nn.Module):
    """AdaptIS' Cityscapes controller: per layer Linear -> ReLU -> BN on the
    point's feature vector (``reads_map = False``: the model reads the
    backbone at the point first).

    Shapes: ``[N, in_channels] -> [N, layer_channels[-1]]``.
    """
    reads_map = False

    def __init__(self,
                 in_channels: int,
                 layer_channels: Sequence[int] = (128, 128, 128),
                 norm_cfg: dict = dict(type='BN1d')):
        super().__init__()
        layers = []
        for channels in layer_channels:
            layers += [
                nn.Linear(in_channels, channels),
                nn.ReLU(inplace=True),
                build_norm_layer(norm_cfg, channels)[1]
            ]
            in_channels = channels
        self.out_channels = in_channels
        self.layers = nn.Sequential(*layers)

    def forward(self, vectors: Tensor) -> Tensor:
        return self.layers(vectors)
