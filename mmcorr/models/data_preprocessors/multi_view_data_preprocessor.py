# Copyright (c) mmcorr contributors. All rights reserved.
"""One data preprocessor for pairs, groups, clips and single views."""
import math
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseDataPreprocessor
from mmseg.utils import stack_batch
from torch import Tensor

from mmcorr.registry import MODELS
from mmcorr.structures import UnevenViews
from .color import rgb_to_lab

#: ImageNet mean / std in RGB order, 0..255 units (= torchvision's
#: ``Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])`` after
#: ``ToTensor``).
IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)
COLOR_SPACES = ('rgb', 'lab')
Views = Union[Tensor, UnevenViews, Sequence[Tensor]]


def _views_of(sample: Views, index: int) -> List[Tensor]:
    """One sample's views as a list of ``[C, H, W]`` tensors."""
    if isinstance(sample, UnevenViews):
        sample = sample.tensors
    if isinstance(sample, Tensor):
        if sample.dim() != 4:
            raise ValueError(f'sample {index}: inputs must be [N, C, H, W] '
                             f'(N views), got shape {tuple(sample.shape)}')
        return list(sample.unbind(0))
    views = list(sample)
    bad = [tuple(v.shape) for v in views if v.dim() != 3]
    if bad or not views:
        raise ValueError(f'sample {index}: each view must be [C, H, W] and '
                         f'a sample needs one view at least, got {bad}')
    return views


def padded_size(sizes: Sequence[Tuple[int, int]],
                size_divisor: Optional[int]) -> Tuple[int, int]:
    """The largest ``(H, W)`` of ``sizes``, rounded up to ``size_divisor``."""
    height = max(s[0] for s in sizes)
    width = max(s[1] for s in sizes)
    if size_divisor:
        height = math.ceil(height / size_divisor) * size_divisor
        width = math.ceil(width / size_divisor) * size_divisor
    return height, width


def stack_views(batch: Sequence[Views], size: Tuple[int, int],
                pad_val: float = 0) -> Tensor:
    """``B`` samples of ``N`` views -> ``[B, N, C, H, W]``, each view padded
    at the bottom and right to ``size`` (which moves no pixel), by mmseg's
    ``stack_batch``."""
    samples = [_views_of(s, i) for i, s in enumerate(batch)]
    counts = sorted({len(s) for s in samples})
    if len(counts) > 1:
        raise ValueError(f'a batch holds samples with {counts} views; '
                         'samples with different numbers of views (e.g. '
                         'image groups) must be batched one at a time '
                         '(batch_size=1)')
    channels = sorted({v.shape[0] for s in samples for v in s})
    if len(channels) > 1:
        raise ValueError(f'views with different channel counts {channels}')
    flat = [view for views in samples for view in views]
    stacked, _ = stack_batch(flat, size=tuple(size), pad_val=pad_val)
    return stacked.view(len(samples), counts[0], *stacked.shape[1:])


@MODELS.register_module()
class MultiViewDataPreprocessor(BaseDataPreprocessor):
    """Stack, colour-convert, normalise and pad multi-view samples.

    Takes the collated output of
    :class:`~mmcorr.datasets.transforms.PackMultiViewInputs`: ``inputs`` is
    a list (one per sample) of ``[N, C, H, W]`` tensors or lists of
    ``[C, H, W]`` views, or an already stacked ``[B, N, C, H, W]`` tensor;
    ``extra_inputs`` (optional) maps names to the same layout.

    Steps: ``bgr_to_rgb``, the colour space (``'lab'``: CIE L*a*b*, see
    :func:`~mmcorr.models.data_preprocessors.color.rgb_to_lab`),
    ``(x - mean) / std``, then every view is padded at the bottom and right
    with ``pad_val`` to the largest size of the batch, rounded up to
    ``size_divisor``. Every view's metainfo gets ``pad_shape`` and
    ``batch_input_shape`` (the padded ``(H, W)``) and mmseg's
    ``padding_size`` (``(left, right, top, bottom)``, here ``(0, W - w, 0,
    H - h)``; note the other order of ``RecordedPad``'s ``pad_margins``);
    the container gets ``batch_input_shape``. Padding moves no pixel, so the recorded
    ``homography_matrix`` stays valid.

    Returns ``dict(inputs=float [B, N, C, H, W], data_samples=...)`` on the
    model's device, plus ``extra_inputs`` (``{name: float [B, N, c, H,
    W]}``, padded with 0, not normalised) when the data have them.

    Args:
        mean (Sequence[float], optional): Per-channel mean in the channel
            order and colour space AFTER conversion; ``None`` skips
            normalisation.
        std (Sequence[float], optional): Per-channel std.
        bgr_to_rgb (bool): Reverse the channel order first (the loaders
            give BGR).
        color_space (str): ``'rgb'`` (no conversion) or ``'lab'`` (needs
            ``bgr_to_rgb=True``: the conversion reads RGB; and Lab
            statistics as ``mean`` / ``std``, not the ImageNet defaults).
        size_divisor (int, optional): Pad sides to multiples of it (e.g. 32
            for a stride-32 backbone).
        pad_val (float): Padding value of the normalised images.
        non_blocking (bool): Copy to the device asynchronously.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = IMAGENET_MEAN,
                 std: Optional[Sequence[float]] = IMAGENET_STD,
                 bgr_to_rgb: bool = True,
                 color_space: str = 'rgb',
                 size_divisor: Optional[int] = None,
                 pad_val: float = 0,
                 non_blocking: bool = False):
        super().__init__(non_blocking=non_blocking)
        if (mean is None) != (std is None):
            raise ValueError('give both mean and std, or neither')
        if color_space not in COLOR_SPACES:
            raise ValueError(f'color_space must be one of {COLOR_SPACES}, '
                             f'got {color_space!r}')
        if color_space == 'lab' and not bgr_to_rgb:
            raise ValueError("color_space='lab' converts from RGB: keep "
                             'bgr_to_rgb=True (the loaders give BGR)')
        if color_space == 'lab' and mean is not None and tuple(
                mean) == IMAGENET_MEAN:
            raise ValueError(
                "color_space='lab' with the ImageNet RGB mean/std (the "
                'defaults) would normalise L*a*b* with RGB statistics: pass '
                "the model's Lab statistics (e.g. mean=(50, 0, 0), "
                'std=(50, 127, 127)) or mean=None, std=None')
        if size_divisor is not None and (int(size_divisor) != size_divisor
                                         or size_divisor < 1):
            raise ValueError(f'size_divisor must be an int >= 1, got '
                             f'{size_divisor}')
        self._enable_normalize = mean is not None
        if self._enable_normalize:
            if len(mean) != len(std):
                raise ValueError(f'mean {mean} and std {std} differ in '
                                 'length')
            self.register_buffer('mean',
                                 torch.tensor(mean).view(1, 1, -1, 1, 1),
                                 False)
            self.register_buffer('std',
                                 torch.tensor(std).view(1, 1, -1, 1, 1),
                                 False)
        self.bgr_to_rgb = bgr_to_rgb
        self.color_space = color_space
        self.size_divisor = size_divisor
        self.pad_val = pad_val

    def _convert(self, images: Tensor) -> Tensor:
        """Colour and normalisation of ``[..., C, H, W]``."""
        images = images.float()
        channels = images.shape[-3]
        if self.bgr_to_rgb and channels != 3:
            raise ValueError(f'images have {channels} channels; bgr_to_rgb '
                             'expects 3')
        if self._enable_normalize and self.mean.numel() != channels:
            raise ValueError(f'images have {channels} channels; mean and '
                             f'std have {self.mean.numel()}')
        if self.bgr_to_rgb:
            images = images.flip(-3)
        if self.color_space == 'lab':
            images = rgb_to_lab(images)
        if self._enable_normalize:
            shape = (-1, 1, 1)
            images = (images - self.mean.view(shape)) / self.std.view(shape)
        return images

    def _stack(self, inputs, convert: bool, pad_val: float,
               size: Tuple[int, int]) -> Tensor:
        """Samples -> converted (or cast) ``[B, N, C, H, W]`` padded to
        ``size``."""
        prepare = self._convert if convert else (lambda x: x.float())
        if isinstance(inputs, Tensor):
            if inputs.dim() != 5:
                raise ValueError('stacked inputs must be [B, N, C, H, W], '
                                 f'got {tuple(inputs.shape)}')
            inputs = list(inputs)
        samples = [[prepare(v) for v in _views_of(s, i)]
                   for i, s in enumerate(inputs)]
        return stack_views(samples, size, pad_val)

    def cast_data(self, data):
        """mmengine's device move, plus the views held in
        :class:`~mmcorr.structures.UnevenViews`."""
        if isinstance(data, UnevenViews):
            return data.to(self.device, non_blocking=self._non_blocking)
        return super().cast_data(data)

    def forward(self, data: dict, training: bool = False) -> dict:
        """``data['inputs']`` -> float ``[B, N, C, H, W]`` on the device."""
        data = self.cast_data(data)
        _check_against_samples(data['inputs'], data.get('data_samples'))
        size = padded_size(_all_sizes(data['inputs']), self.size_divisor)
        out = dict(
            inputs=self._stack(data['inputs'], True, self.pad_val, size),
            data_samples=data.get('data_samples'))
        if data.get('extra_inputs'):
            out['extra_inputs'] = {
                name: self._stack(value, False, 0, size)
                for name, value in data['extra_inputs'].items()
            }
        if out['data_samples'] is not None:
            _set_shapes(out['data_samples'], size, data['inputs'])
        return out


def _check_against_samples(inputs, samples) -> None:
    """One data sample per input sample, with as many views."""
    if samples is None:
        return
    if len(inputs) != len(samples):
        raise ValueError(f'{len(inputs)} input samples but {len(samples)} '
                         'data samples: the batch was not collated as '
                         'mmcorr expects (use mmengine\'s pseudo_collate, '
                         'the default)')
    for i, (sample, meta) in enumerate(zip(inputs, samples)):
        views = getattr(meta, 'views', None)
        if views is not None and len(_views_of(sample, i)) != len(views):
            raise ValueError(f'sample {i}: {len(_views_of(sample, i))} input '
                             f'views but {len(views)} view data samples')


def _all_sizes(inputs) -> List[Tuple[int, int]]:
    """``(H, W)`` of every view of every sample."""
    if isinstance(inputs, Tensor):
        return [tuple(inputs.shape[-2:])]
    if not inputs:
        raise ValueError('the batch holds no samples')
    return [tuple(v.shape[-2:]) for i, s in enumerate(inputs)
            for v in _views_of(s, i)]


def _set_shapes(samples: Sequence, size: Tuple[int, int], inputs) -> None:
    """``batch_input_shape`` on every sample and view; per view also
    ``pad_shape`` and mmseg's ``padding_size`` ``(left, right, top,
    bottom)`` (so mmseg's ``postprocess_result`` crops the padding off)."""
    height, width = size
    for i, sample in enumerate(samples):
        sample.set_metainfo(dict(batch_input_shape=tuple(size)))
        views = getattr(sample, 'views', ())
        tensors = _views_of(inputs[i], i) if views else ()
        for view, tensor in zip(views, tensors):
            h, w = tensor.shape[-2:]
            view.set_metainfo(dict(batch_input_shape=tuple(size),
                                   pad_shape=tuple(size),
                                   padding_size=(0, width - w, 0,
                                                 height - h)))


__all__ = ['MultiViewDataPreprocessor', 'IMAGENET_MEAN', 'IMAGENET_STD',
           'stack_views', 'padded_size']
