# Copyright (c) mmcorr contributors. All rights reserved.
from typing import Optional, Sequence, Union

import torch
from mmengine.model import BaseDataPreprocessor

from mmcorr.registry import MODELS

#: ImageNet mean / std in RGB order, 0..255 units (= torchvision's
#: ``Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])`` after
#: ``ToTensor``).
IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


@MODELS.register_module()
class PairDataPreprocessor(BaseDataPreprocessor):
    """Stack, colour-convert and normalise image pairs.

    Takes the collated output of :class:`PackPairInputs`:
    ``inputs`` is a list of ``[2, 3, H, W]`` tensors (source, target), or an
    already stacked ``[B, 2, 3, H, W]`` tensor, all of one size.

    Returns ``dict(inputs=float32 [B, 2, 3, H, W], data_samples=...)`` on
    the model's device, with ``inputs = (x[rgb] - mean) / std``.

    Args:
        mean (Sequence[float], optional): Per-channel mean, in the channel
            order AFTER ``bgr_to_rgb``; ``None`` skips normalisation.
        std (Sequence[float], optional): Per-channel std.
        bgr_to_rgb (bool): Reverse the channel order first (the loaders
            give BGR; the ImageNet defaults are RGB).
        non_blocking (bool): Copy to the device asynchronously.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = IMAGENET_MEAN,
                 std: Optional[Sequence[float]] = IMAGENET_STD,
                 bgr_to_rgb: bool = True,
                 non_blocking: bool = False):
        super().__init__(non_blocking=non_blocking)
        if (mean is None) != (std is None):
            raise ValueError('give both mean and std, or neither')
        self._enable_normalize = mean is not None
        if self._enable_normalize:
            if len(mean) != 3 or len(std) != 3:
                raise ValueError(f'mean and std need 3 values, got {mean} '
                                 f'and {std}')
            self.register_buffer(
                'mean', torch.tensor(mean).view(1, 1, 3, 1, 1), False)
            self.register_buffer(
                'std', torch.tensor(std).view(1, 1, 3, 1, 1), False)
        self.bgr_to_rgb = bgr_to_rgb

    @staticmethod
    def stack_pairs(
            inputs: Union[torch.Tensor, Sequence[torch.Tensor]]
    ) -> torch.Tensor:
        """A list of ``[2, 3, H, W]`` tensors -> ``[B, 2, 3, H, W]``.

        Raises:
            ValueError: for a wrong shape or pairs of different sizes.
        """
        if isinstance(inputs, torch.Tensor):
            if inputs.dim() != 5 or inputs.shape[1:3] != (2, 3):
                raise ValueError('stacked inputs must be [B, 2, 3, H, W], '
                                 f'got {tuple(inputs.shape)}')
            return inputs
        shapes = {tuple(x.shape) for x in inputs}
        bad = [s for s in shapes if len(s) != 4 or s[:2] != (2, 3)]
        if bad or not shapes:
            raise ValueError('each input must be a [2, 3, H, W] (source, '
                             f'target) tensor, got shapes {sorted(shapes)}')
        if len(shapes) > 1:
            raise ValueError(f'pairs of different sizes {sorted(shapes)} '
                             'cannot be batched; resize them in the '
                             'pipeline (ResizePair)')
        return torch.stack(list(inputs))

    def forward(self, data: dict, training: bool = False) -> dict:
        """``data['inputs']`` -> float ``[B, 2, 3, H, W]`` on the device."""
        data = self.cast_data(data)
        inputs = self.stack_pairs(data['inputs']).float()
        if self.bgr_to_rgb:
            inputs = inputs.flip(2)
        if self._enable_normalize:
            inputs = (inputs - self.mean) / self.std
        return dict(inputs=inputs, data_samples=data.get('data_samples'))
