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
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmcorr.ops import global_correlation


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


def rearranged_self_correlation(features: Tensor, csa: Tensor) -> Tensor:
    """RSCF: ``[N, C, H, W]`` normalised features, ``[N, 1, H, W]`` CSA ->
    ``[N, H*W, H, W]``: the self-correlation with channel ``k`` the ``k``-th
    most co-salient pixel, times the CSA."""
    num, _, height, width = features.shape
    scf = global_correlation(features, features)  # [N, HW, H, W]
    order = torch.argsort(csa.view(num, -1), dim=1, descending=True)
    index = order.view(num, -1, 1, 1).expand(-1, -1, height, width)
    return torch.gather(scf, 1, index) * csa


class ResidualBlock(nn.Module):
    """``relu(x + conv3x3(relu(bn(conv3x3(x)))))`` (ICNet's ``Res``)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, 1), nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True), nn.Conv2d(channels, channels, 3, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x + self.conv(x))


class CoSaliencyBranch(nn.Module):
    """NMAP, CFM and RSCF on one kind of saliency (foreground or
    background): ``[N, C, H, W]`` features -> ``[N, 128, H, W]``.

    Args:
        num_positions (int): ``H * W`` of the features (the RSCF channels:
            the official model is tied to its input size through it).
        channels (int): Output channels.
    """

    def __init__(self, num_positions: int, channels: int = 128):
        super().__init__()
        self.num_positions = num_positions
        self.conv = nn.Sequential(nn.Conv2d(num_positions, channels, 1),
                                  ResidualBlock(channels))

    def forward(self, features: Tensor, sisms: Tensor) -> Tensor:
        height, width = features.shape[-2:]
        if height * width != self.num_positions:
            raise ValueError(
                f'the co-saliency branch was built for {self.num_positions} '
                f'positions (its RSCF channels), got {height}x{width} '
                'features: the official ICNet runs at 224x224 only')
        sisms = resize_corner_aligned(sisms, (height, width))
        normalised = F.normalize(features, dim=1)
        vectors = intra_saliency_vectors(normalised, sisms)
        csa = correlation_fusion(normalised, vectors)
        return self.conv(rearranged_self_correlation(normalised, csa))


class CoSaliencyModule(nn.Module):
    """One branch run on the SISMs and on ``1 - SISMs`` (shared weights),
    fused by a 1x1 conv and a residual block (ICNet's ``Cosal_Module``)."""

    def __init__(self, num_positions: int, channels: int = 128):
        super().__init__()
        self.branch = CoSaliencyBranch(num_positions, channels)
        self.fuse = nn.Sequential(nn.Conv2d(2 * channels, channels, 1),
                                  ResidualBlock(channels))

    def forward(self, features: Tensor, sisms: Tensor) -> Tensor:
        fore = self.branch(features, sisms)
        back = self.branch(features, 1.0 - sisms)
        return self.fuse(torch.cat([fore, back], dim=1))


class GuidedDecoderBlock(nn.Module):
    """ICNet's ``Decoder_Block``: a low-level feature compressed to 32
    channels, gated by the (resized) co-saliency map and by the SISMs, with
    the upsampled previous decoder feature: ``[N, 32, H, W]`` and a sigmoid
    map ``[N, 1, H, W]`` at the low-level feature's size."""

    def __init__(self, in_channels: int, channels: int = 32):
        super().__init__()
        self.compress = nn.Conv2d(in_channels, channels, 1)
        self.merge = nn.Sequential(
            nn.Conv2d(3 * channels, 3 * channels, 3, 1, 1),
            nn.BatchNorm2d(3 * channels), nn.ReLU(inplace=True),
            nn.Conv2d(3 * channels, channels, 3, 1, 1),
            nn.BatchNorm2d(channels), nn.ReLU(inplace=True))
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
