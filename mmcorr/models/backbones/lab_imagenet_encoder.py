# Copyright (c) mmcorr contributors. All rights reserved.
"""An ImageNet RGB trunk as an encoder of normalised Lab frames (MAST)."""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmcorr.registry import MODELS
from ..data_preprocessors.color import lab_to_rgb

__all__ = ['LabImageNetEncoder']

IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


@MODELS.register_module()
class LabImageNetEncoder(BaseModule):
    """Frames in MAST's normalised Lab -> an ImageNet trunk's features on
    one stride-``out_stride`` grid.

    MAST's self-supervision needs Lab frames (one colour channel is dropped
    and reconstructed); an ImageNet network was trained on RGB. This encoder
    undoes the Lab normalisation, converts to sRGB (:func:`lab_to_rgb`,
    differentiable), normalises with ImageNet's mean/std, enlarges the frame
    by ``input_scale`` (bilinear) so that deep, coarse taps land on the key
    grid, runs the trunk, resizes each returned tap to ``H / out_stride x
    W / out_stride`` (bilinear, ``align_corners=False``) and concatenates
    them. With a dropped channel (zero after normalisation, the rest x 3/2)
    the RGB is a desaturated, brighter frame; training adapts the trunk.

    Args:
        backbone (dict): A registered RGB trunk (e.g. ``EfficientNetLite``
            with ImageNet ``init_cfg``) returning a tuple of maps.
        in_channels (Sequence[int], optional): The trunk's output widths;
            from its ``out_channels`` property when not given.
        input_scale (float): Frame enlargement before the trunk.
        out_stride (int): The key grid's stride on the (original) frame.
        lab_mean, lab_std: The data preprocessor's Lab normalisation.

    Input ``[B, 3, H, W]`` normalised Lab (``H, W`` multiples of
    ``out_stride``); output a 1-tuple ``([B, sum(in_channels), H /
    out_stride, W / out_stride],)``, as ``ResNet18Stride4``.
    """

    def __init__(self,
                 backbone: Dict,
                 in_channels: Optional[Sequence[int]] = None,
                 input_scale: float = 2.0,
                 out_stride: int = 4,
                 lab_mean: Sequence[float] = (50.0, 0.0, 0.0),
                 lab_std: Sequence[float] = (50.0, 127.0, 127.0),
                 init_cfg: Optional[Dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.trunk = MODELS.build(backbone)
        if in_channels is None:
            in_channels = getattr(self.trunk, 'out_channels', None)
            if in_channels is None:
                raise ValueError(
                    f'{type(self.trunk).__name__} does not say its output '
                    'widths (no out_channels property): give in_channels')
        if input_scale <= 0:
            raise ValueError(f'input_scale must be > 0, got {input_scale}')
        self.in_channels = tuple(in_channels)
        self.input_scale = float(input_scale)
        self.out_stride = int(out_stride)
        self.register_buffer('lab_mean', torch.tensor(lab_mean).view(3, 1, 1),
                             persistent=False)
        self.register_buffer('lab_std', torch.tensor(lab_std).view(3, 1, 1),
                             persistent=False)
        self.register_buffer('rgb_mean',
                             torch.tensor(IMAGENET_MEAN).view(3, 1, 1),
                             persistent=False)
        self.register_buffer('rgb_std', torch.tensor(IMAGENET_STD).view(
            3, 1, 1), persistent=False)

    @property
    def out_channels(self) -> int:
        """The width of the concatenated features."""
        return sum(self.in_channels)

    def imagenet_input(self, frames: torch.Tensor) -> torch.Tensor:
        """``[B, 3, H, W]`` normalised Lab -> ImageNet-normalised RGB at
        ``input_scale`` times the size."""
        lab = frames * self.lab_std.to(frames) + self.lab_mean.to(frames)
        rgb = (lab_to_rgb(lab) - self.rgb_mean.to(frames)) / \
            self.rgb_std.to(frames)
        if self.input_scale != 1:
            rgb = F.interpolate(rgb, scale_factor=self.input_scale,
                                mode='bilinear', align_corners=False)
        return rgb

    def forward(self, frames: torch.Tensor) -> Tuple[torch.Tensor]:
        if frames.dim() != 4 or frames.shape[1] != 3:
            raise ValueError('LabImageNetEncoder expects [B, 3, H, W] Lab '
                             f'frames, got {tuple(frames.shape)}')
        height, width = frames.shape[-2:]
        if height % self.out_stride or width % self.out_stride:
            raise ValueError(f'frame size {height} x {width} is not a '
                             f'multiple of out_stride {self.out_stride}')
        grid = (height // self.out_stride, width // self.out_stride)
        taps = self.trunk(self.imagenet_input(frames))
        taps = [t if t.shape[-2:] == grid else F.interpolate(
            t, size=grid, mode='bilinear', align_corners=False) for t in taps]
        return (torch.cat(taps, dim=1), )
