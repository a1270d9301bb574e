# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS' toy backbone: a U-Net with full-resolution output
(saic-vul/adaptis ``adaptis/model/toy/unet.py``).

An input BatchNorm, ``num_stages + 1`` encoder stages (2x2 max-pool with
``ceil_mode`` before all but the first; two 3 x 3 convs each) at widths
``base_channels * 2**i`` capped at ``max_channels``, then ``num_stages``
decoder stages, each a grouped 4 x 4 stride-2 transposed conv (one group
per output channel, initialised to bilinear upsampling) + ReLU, the
concatenated skip, and two 3 x 3 convs, the second halving the width
(except in the last stage, or where the width was capped), and a final
pair of 3 x 3 convs to ``base_channels``. Every conv is conv (no bias) ->
ReLU -> BN. Skips and upsampled maps of different sizes (odd inputs) are
centre-cropped to the smaller, height and width each on its own.

mmseg's ``UNet`` cannot express it: its convs are conv -> BN -> ReLU, it
has no input normalisation, its upsampling is a deconv + BN + ReLU or an
interpolation + conv, its stages do not halve after concatenation, and it
refuses inputs that are not a multiple of its downsampling. The convs here
are mmcv's ``ConvModule`` with ``order=('conv', 'act', 'norm')``.
"""
from typing import List

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor

from mmcorr.registry import MODELS
from ..layers.adaptis_blocks import conv_act_norm

__all__ = ['AdaptISToyUNet', 'bilinear_upsampling_kernel']


def bilinear_upsampling_kernel(scale: int) -> Tensor:
    """The ``k x k`` kernel (``k = 2 s - s % 2``) of a stride-``s``
    transposed conv that upsamples bilinearly (FCN's initialisation)."""
    size = 2 * scale - scale % 2
    factor = (size + 1) // 2
    centre = factor - 0.5 * (1 + size % 2)
    ramp = 1 - np.abs(np.arange(size) - centre) / factor
    return torch.from_numpy(np.outer(ramp, ramp)).float()


class BilinearUpsampler(nn.Module):
    """Grouped stride-2 4 x 4 transposed conv (groups = output channels),
    bilinear at initialisation, then ReLU: ``[B, C_in, h, w] ->
    [B, C_out, 2h, 2w]``."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.deconv = nn.ConvTranspose2d(
            in_channels,
            out_channels,
            kernel_size=4,
            stride=2,
            padding=1,
            groups=out_channels,
            bias=False)
        with torch.no_grad():
            self.deconv.weight.copy_(
                bilinear_upsampling_kernel(2).expand_as(self.deconv.weight))

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.deconv(x))


def _centre_crop(x: Tensor, size) -> Tensor:
    top = (x.shape[2] - size[0]) // 2
    left = (x.shape[3] - size[1]) // 2
    return x[:, :, top:top + size[0], left:left + size[1]]


class DecoderStage(nn.Module):
    """Upsample, concatenate the skip, two 3 x 3 convs."""

    def __init__(self, in_channels: int, channels: int, shrink: bool,
                 norm_cfg: dict):
        super().__init__()
        self.upsampler = BilinearUpsampler(in_channels, channels)
        self.fuse = conv_act_norm(2 * channels, channels, bias=False,
                                  norm_cfg=norm_cfg)
        self.out_channels = channels // 2 if shrink else channels
        self.refine = conv_act_norm(channels, self.out_channels, bias=False,
                                    norm_cfg=norm_cfg)

    def forward(self, x: Tensor, skip: Tensor) -> Tensor:
        """Both maps centre-cropped to the smaller height and the smaller
        width, each on its own (the official code compares heights only,
        so an input whose height and width are odd at different depths,
        e.g. 451 x 300, failed; where it worked the result is the same)."""
        x = self.upsampler(x)
        size = (min(x.shape[2], skip.shape[2]), min(x.shape[3],
                                                     skip.shape[3]))
        x, skip = _centre_crop(x, size), _centre_crop(skip, size)
        return self.refine(self.fuse(torch.cat((x, skip), dim=1)))


@MODELS.register_module()
class AdaptISToyUNet(BaseModule):
    """AdaptIS' toy U-Net.

    Args:
        in_channels (int): Image channels.
        base_channels (int): Width of the first stage and of the output.
        max_channels (int): Cap on every width.
        num_stages (int): Downsamplings (and upsamplings).
        norm_cfg (dict): Normalisation of every conv (and of the input).
        init_cfg: mmengine initialisation config.

    Shapes: ``[B, in_channels, H, W] -> [B, base_channels, H, W]`` for
    ``H, W`` divisible by ``2**num_stages`` (other sizes are centre-cropped
    where the decoder meets the skips and come out smaller).
    """

    def __init__(self,
                 in_channels: int = 3,
                 base_channels: int = 32,
                 max_channels: int = 512,
                 num_stages: int = 4,
                 norm_cfg: dict = dict(type='BN'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.image_bn = build_norm_layer(norm_cfg, in_channels)[1]
        self.encoder = nn.ModuleList()
        channels = in_channels
        for i in range(num_stages + 1):
            width = min(base_channels * 2**i, max_channels)
            self.encoder.append(
                nn.Sequential(
                    conv_act_norm(channels, width, bias=False,
                                  norm_cfg=norm_cfg),
                    conv_act_norm(width, width, bias=False,
                                  norm_cfg=norm_cfg)))
            channels = width
        self.decoder = nn.ModuleList()
        for i in reversed(range(num_stages)):
            width = base_channels * 2**i
            shrink = i > 0 and width <= max_channels
            stage = DecoderStage(channels, min(width, max_channels), shrink,
                                 norm_cfg)
            self.decoder.append(stage)
            channels = stage.out_channels
        self.final = nn.Sequential(
            conv_act_norm(channels, base_channels, bias=False,
                          norm_cfg=norm_cfg),
            conv_act_norm(base_channels, base_channels, bias=False,
                          norm_cfg=norm_cfg))
        self.out_channels = base_channels

    def init_weights(self):
        # keep the bilinear upsamplers unless an init_cfg overrides them
        if self.init_cfg is not None:
            super().init_weights()

    def forward(self, x: Tensor) -> Tensor:
        x = self.image_bn(x)
        skips: List[Tensor] = []
        for i, stage in enumerate(self.encoder):
            if i > 0:
                x = F.max_pool2d(x, 2, 2, ceil_mode=True)
            x = stage(x)
            skips.append(x)
        for i, stage in enumerate(self.decoder):
            x = stage(x, skips[-i - 2])
        return self.final(x)
