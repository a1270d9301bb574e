# Copyright (c) mmcorr contributors. All rights reserved.
"""ICNet's co-saliency blocks (Jin et al., NeurIPS 2020).

A group of ``N`` images is the batch axis: every "inter-image" step works
across it. Shapes: features ``[N, C, H, W]``, single-image saliency maps
(SISMs) ``[N, 1, H, W]`` in ``[0, 1]``.

- NMAP (:func:`intra_saliency_vectors`): each image's features,
  L2-normalised per pixel, averaged under its SISM as a soft mask and
  L2-normalised again: one intra-saliency vector (SIV) per image.
- CFM (:func:`correlation_fusion`): every image's normalised features
  against every SIV (a global correlation with the group's vectors), each
  map L2-normalised over pixels; maps that agree with the others weigh more
  (softmax over SIVs of the summed Gram matrix); their weighted sum,
  min-max normalised per image, is the co-salient attention (CSA) map.
- RSCF (:func:`rearranged_self_correlation`): every pixel's cosine
  similarity with every pixel of its image (a global correlation of the
  image with itself), channels sorted by decreasing CSA, times the CSA.
"""
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from torch import Tensor

from mmcorr.ops import global_correlation
from .precision import (autocast_or_input_dtype, float32_region,
                        full_precision)


def resize_corner_aligned(x: Tensor, size) -> Tensor:
    """Bilinear resize with ``align_corners=True`` (ICNet's ``resize``)."""
    return F.interpolate(x, size=tuple(size), mode='bilinear',
                         align_corners=True)


def intra_saliency_vectors(features: Tensor, sisms: Tensor) -> Tensor:
    """NMAP: ``[N, C, H, W]`` normalised features and ``[N, 1, H, W]``
    SISMs -> ``[N, C]`` unit intra-saliency vectors."""
    pooled = (features * sisms).mean(dim=(2, 3))
    return F.normalize(pooled, dim=1)


def correlation_fusion(features: Tensor, vectors: Tensor) -> Tensor:
    """CFM: ``[N, C, H, W]`` normalised features, ``[N, C]`` SIVs ->
    ``[N, 1, H, W]`` CSA maps in ``[0, 1]`` (min-max per image, ``1e-12``
    in the denominator).

    A group of one gives the single correlation map, min-max normalised.
    """
    num, channels, height, width = features.shape
    group = vectors.t().reshape(1, channels, 1, num).expand(num, -1, -1, -1)
    maps = global_correlation(features, group)  # [N, N(SIV), H, W]
    maps = F.normalize(maps.reshape(num, num, height * width), dim=2)
    weights = torch.matmul(maps, maps.transpose(1, 2)).sum(2).softmax(1)
    csa = (maps * weights[..., None]).sum(1)  # [N, HW]
    low = csa.min(dim=1, keepdim=True)[0]
    high = csa.max(dim=1, keepdim=True)[0]
    csa = (csa - low) / (high - low + 1e-12)
    return csa.view(num, 1, height, width)


def rearranged_self_correlation(features: Tensor, csa: Tensor,
                                key_grid=None) -> Tensor:
    """RSCF: ``[N, C, H, W]`` normalised features, ``[N, 1, H, W]`` CSA ->
    ``[N, K, H, W]``: each pixel's correlation with ``K`` key positions,
    channel ``k`` the ``k``-th most co-salient key, times the CSA.

    Args:
        key_grid (tuple, optional): ``None`` (ICNet): the keys are the
            image's own ``K = H*W`` pixels. ``(h, w)``: the keys are the
            features and CSA resampled to a fixed ``h x w`` grid
            (``align_corners=True`` bilinear, features re-normalised), so
            ``K = h*w`` whatever the input size; equal to ``None`` when
            ``(h, w) == (H, W)``.
    """
    num, _, height, width = features.shape
    keys, key_csa = features, csa
    if key_grid is not None and tuple(key_grid) != (height, width):
        keys = F.normalize(resize_corner_aligned(features, key_grid), dim=1)
        key_csa = resize_corner_aligned(csa, key_grid)
    scf = global_correlation(features, keys)  # [N, K, H, W]
    order = torch.argsort(key_csa.reshape(num, -1), dim=1, descending=True)
    index = order.view(num, -1, 1, 1).expand(-1, -1, height, width)
    return torch.gather(scf, 1, index) * csa


def norm_layer(norm_cfg: Optional[Dict], channels: int) -> nn.Module:
    """The head's normalisation: ``dict(type='BN')`` (ICNet's
    ``nn.BatchNorm2d``) or any mmcv norm (e.g. ``dict(type='GN',
    num_groups=16)``)."""
    return build_norm_layer(norm_cfg or dict(type='BN'), channels)[1]


class ICNetResidualBlock(nn.Module):
    """``relu(x + conv3x3(relu(bn(conv3x3(x)))))`` (ICNet's ``Res``)."""

    def __init__(self, channels: int, norm_cfg: Optional[Dict] = None):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, 1),
            norm_layer(norm_cfg, channels), nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x + self.conv(x))


class CoSaliencyBranch(nn.Module):
    """NMAP, CFM and RSCF on one kind of saliency (foreground or
    background): ``[N, C, H, W]`` features -> ``[N, 128, H, W]``.

    Args:
        grid (tuple): ``(h, w)`` of the features at the input size the model
            is built for (RSCF has ``h * w`` channels: the official model is
            tied to its input size through it).
        rscf_keys (str): ``'native'`` (official): RSCF correlates with every
            pixel, so other feature sizes are refused; ``'fixed_grid'``:
            the RSCF keys are resampled to ``grid`` (see
            :func:`rearranged_self_correlation`), any size runs, and at
            ``grid`` it is the official computation.
        channels (int): Output channels.
        norm_cfg (dict, optional): The norm of its residual block (BN).
    """

    def __init__(self, grid: Tuple[int, int], rscf_keys: str = 'native',
                 channels: int = 128, norm_cfg: Optional[Dict] = None):
        super().__init__()
        if rscf_keys not in ('native', 'fixed_grid'):
            raise ValueError("rscf_keys must be 'native' or 'fixed_grid', "
                             f'got {rscf_keys!r}')
        self.grid = tuple(grid)
        self.rscf_keys = rscf_keys
        self.conv = nn.Sequential(
            nn.Conv2d(self.grid[0] * self.grid[1], channels, 1),
            ICNetResidualBlock(channels, norm_cfg))

    def forward(self, features: Tensor, sisms: Tensor) -> Tensor:
        size = tuple(features.shape[-2:])
        if self.rscf_keys == 'native' and size != self.grid:
            raise ValueError(
                f'the co-saliency branch was built for {self.grid} features '
                f'(RSCF has {self.grid[0] * self.grid[1]} channels), got '
                f'{size}: the official ICNet runs at its input_size only '
                "(224x224); use rscf_keys='fixed_grid' for other sizes")
        with float32_region(features):
            rscf = self.correlations(full_precision(features),
                                     full_precision(sisms))
        return self.conv(autocast_or_input_dtype(rscf, features))

    def correlations(self, features: Tensor, sisms: Tensor) -> Tensor:
        """NMAP, CFM and RSCF: ``[N, C, H, W]`` features and ``[N, 1, h,
        w]`` SISMs -> ``[N, K, H, W]`` RSCF. Under autocast (bfloat16
        training) :meth:`forward` runs it in float32: cosine maps
        normalised over pixels and a softmax of their Gram sums need
        float32's mantissa."""
        sisms = resize_corner_aligned(sisms, features.shape[-2:])
        normalised = F.normalize(features, dim=1)
        vectors = intra_saliency_vectors(normalised, sisms)
        csa = correlation_fusion(normalised, vectors)
        key_grid = self.grid if self.rscf_keys == 'fixed_grid' else None
        return rearranged_self_correlation(normalised, csa, key_grid)


class CoSaliencyModule(nn.Module):
    """One branch run on the SISMs and on ``1 - SISMs`` (shared weights),
    fused by a 1x1 conv and a residual block (ICNet's ``Cosal_Module``)."""

    def __init__(self, grid: Tuple[int, int], rscf_keys: str = 'native',
                 channels: int = 128, norm_cfg: Optional[Dict] = None):
        super().__init__()
        self.branch = CoSaliencyBranch(grid, rscf_keys, channels, norm_cfg)
        self.fuse = nn.Sequential(nn.Conv2d(2 * channels, channels, 1),
                                  ICNetResidualBlock(channels, norm_cfg))

    def forward(self, features: Tensor, sisms: Tensor) -> Tensor:
        fore = self.branch(features, sisms)
        back = self.branch(features, 1.0 - sisms)
        return self.fuse(torch.cat([fore, back], dim=1))


class GuidedDecoderBlock(nn.Module):
    """ICNet's ``Decoder_Block``: a low-level feature compressed to 32
    channels, gated by the (resized) co-saliency map and by the SISMs, with
    the upsampled previous decoder feature: ``[N, 32, H, W]`` and a sigmoid
    map ``[N, 1, H, W]`` at the low-level feature's size."""

    def __init__(self, in_channels: int, channels: int = 32,
                 norm_cfg: Optional[Dict] = None):
        super().__init__()
        self.compress = nn.Conv2d(in_channels, channels, 1)
        self.merge = nn.Sequential(
            nn.Conv2d(3 * channels, 3 * channels, 3, 1, 1),
            norm_layer(norm_cfg, 3 * channels), nn.ReLU(inplace=True),
            nn.Conv2d(3 * channels, channels, 3, 1, 1),
            norm_layer(norm_cfg, channels), nn.ReLU(inplace=True))
        self.predict = nn.Conv2d(channels, 1, 1)

    def forward(self, low: Tensor, cosal_map: Tensor, sisms: Tensor,
                previous: Tensor):
        size = low.shape[-2:]
        compressed = self.compress(low)
        feats = self.merge(torch.cat([
            compressed * resize_corner_aligned(cosal_map, size),
            compressed * resize_corner_aligned(sisms, size),
            resize_corner_aligned(previous, size)
        ], dim=1))
        return feats, torch.sigmoid(self.predict(feats))
