# Copyright (c) mmcorr contributors. All rights reserved.
"""Single-image salient-object models that make SISMs for co-saliency.

ICNet's official protocol reads saliency maps made beforehand by an
off-the-shelf model (the authors ship EGNet's). These modules make them in
the same config instead, so that a user with images only can run a
co-saliency model: ``ICNetCoSaliency(sism_model=dict(type=...))``.

Every model maps RGB images ``[N, 3, H, W]`` (float, ``0..255``) to
saliency maps ``[N, 1, H, W]`` in ``[0, 1]`` and is frozen (no gradients,
always in eval mode).
"""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmcorr.registry import MODELS
from ..data_preprocessors.color import rgb_to_lab


def check_sisms(sisms: Tensor, images: Tensor) -> Tensor:
    """Check ``[N, 1, H, W]`` SISMs in ``[0, 1]`` against ``[N, C, H, W]``
    images; returns them unchanged.

    Raises:
        ValueError: naming the mismatch (count, channels, size, range).
    """
    if sisms.dim() != 4 or sisms.shape[1] != 1:
        raise ValueError(f'SISMs must be [N, 1, H, W] (one grey map per '
                         f'image), got {tuple(sisms.shape)}')
    if sisms.shape[0] != images.shape[0]:
        raise ValueError(f'{sisms.shape[0]} SISMs for {images.shape[0]} '
                         'images: every image of a group needs one')
    if sisms.shape[-2:] != images.shape[-2:]:
        raise ValueError(f'SISMs are {tuple(sisms.shape[-2:])}, images '
                         f'{tuple(images.shape[-2:])}: load them with '
                         'LoadSaliencyMap so they follow the image')
    if not torch.isfinite(sisms).all() or sisms.min() < 0 or \
            sisms.max() > 1:
        raise ValueError('SISMs must be finite and in [0, 1], got values in '
                         f'[{sisms.min().item():g}, {sisms.max().item():g}]'
                         ' (grey PNGs are divided by 255 when loaded)')
    return sisms


class _FrozenSaliency(nn.Module):
    """Base: frozen, eval mode, input checked."""

    def train(self, mode: bool = True):
        return super().train(False)

    def __call__(self, rgb: Tensor) -> Tensor:
        if rgb.dim() != 4 or rgb.shape[1] != 3:
            raise ValueError('a saliency model takes RGB images [N, 3, H, '
                             f'W], got {tuple(rgb.shape)}')
        self.train(False)  # also after construction: BN in eval mode
        with torch.no_grad():
            return super().__call__(rgb).clamp(0, 1)


@MODELS.register_module()
class FrequencyTunedSaliency(_FrozenSaliency):
    """Frequency-tuned salient region detection (Achanta et al., CVPR 2009).

    The saliency of a pixel is the Euclidean distance, in CIE L*a*b*,
    between the image's mean colour and the pixel's colour after a small
    Gaussian blur; here divided by its per-image maximum (``[0, 1]``). No
    weights: it runs on any image, as a baseline or when no trained SOD
    model is at hand. It marks regions whose colour differs from the
    image's average, so large salient objects and busy backgrounds defeat
    it (as the paper says).

    Args:
        sigma (float): Gaussian blur, pixels (the paper: a 5x5 binomial
            kernel, about ``sigma = 1``).
    """

    def __init__(self, sigma: float = 1.0):
        super().__init__()
        radius = max(1, int(round(3 * sigma)))
        offsets = torch.arange(-radius, radius + 1, dtype=torch.float32)
        kernel = torch.exp(-offsets**2 / (2 * sigma**2))
        self.register_buffer('kernel', kernel / kernel.sum(), False)

    def _blur(self, x: Tensor) -> Tensor:
        channels, radius = x.shape[1], self.kernel.numel() // 2
        k = self.kernel.to(x.dtype)
        x = F.pad(x, (radius, ) * 4, mode='replicate')
        x = F.conv2d(x, k.view(1, 1, 1, -1).expand(channels, 1, 1, -1),
                     groups=channels)
        return F.conv2d(x, k.view(1, 1, -1, 1).expand(channels, 1, -1, 1),
                        groups=channels)

    def forward(self, rgb: Tensor) -> Tensor:
        lab = rgb_to_lab(rgb.float())
        mean = lab.mean(dim=(2, 3), keepdim=True)
        distance = (self._blur(lab) - mean).norm(dim=1, keepdim=True)
        peak = distance.amax(dim=(2, 3), keepdim=True)
        return distance / peak.clamp_min(1e-6)


@MODELS.register_module()
class SegmentorSaliency(_FrozenSaliency):
    """A trained mmseg segmentor used as the salient-object model.

    The foreground probability (softmax over the classes, or the sigmoid of
    a one-channel output) at the input size is the SISM.

    Args:
        segmentor (dict): An mmseg segmentor config (``EncoderDecoder``...),
            built in the current registry scope (``type='mmseg.X'`` works).
        checkpoint (str, optional): Its weights (loaded with mmcorr's safe
            checkpoint loading).
        mean, std (Sequence[float]): The segmentor's RGB normalisation.
        foreground_index (int): The salient class.
    """

    def __init__(self,
                 segmentor: dict,
                 checkpoint: Optional[str] = None,
                 mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 foreground_index: int = 1):
        super().__init__()
        segmentor = dict(segmentor)
        segmentor.pop('data_preprocessor', None)  # normalised here
        self.segmentor = MODELS.build(segmentor)
        if checkpoint is not None:
            from mmengine.runner import load_checkpoint
            load_checkpoint(self.segmentor, checkpoint, map_location='cpu')
        self.segmentor.requires_grad_(False)
        self.register_buffer('mean', torch.tensor(mean).view(1, -1, 1, 1),
                             False)
        self.register_buffer('std', torch.tensor(std).view(1, -1, 1, 1),
                             False)
        self.foreground_index = foreground_index

    def forward(self, rgb: Tensor) -> Tensor:
        height, width = rgb.shape[-2:]
        metas = [dict(img_shape=(height, width), pad_shape=(height, width),
                      ori_shape=(height, width))] * len(rgb)
        logits = self.segmentor.encode_decode((rgb - self.mean) / self.std,
                                              metas)
        if logits.shape[1] == 1:
            return logits.sigmoid()
        return logits.softmax(1)[:, self.foreground_index:
                                 self.foreground_index + 1]
