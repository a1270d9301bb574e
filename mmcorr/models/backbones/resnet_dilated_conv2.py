# Copyright (c) mmcorr contributors. All rights reserved.
"""ResNetV1c whose BasicBlocks dilate their second convolution (SFNet's ResNet-D).

SFSegNets' ResNet-18/34 "D" variant keeps the output stride at 32 and dilates
the *second* 3x3 convolution of every block in stages 3 and 4 (by 2 and 4),
while the first one keeps its stride. mmseg's ``BasicBlock`` dilates the first
convolution instead, so ``ResNetV1c(dilations=(1, 1, 2, 4))`` computes a
different function for depths 18/34. (For depths 50/101 mmseg's
``ResNetV1c(stem_channels=128, dilations=(1, 1, 2, 4), contract_dilation=False)``
is equivalent: its Bottleneck dilates the strided 3x3 convolution, as SFNet's
does; use it directly.)
"""
from mmcv.cnn import build_conv_layer
from mmseg.models.backbones import ResNetV1c
from mmseg.models.backbones.resnet import BasicBlock

from mmcorr.registry import MODELS


class DilatedConv2BasicBlock(BasicBlock):
    """A BasicBlock with the dilation on ``conv2``; ``conv1`` keeps the stride.

    Args:
        dilation (int): Dilation (and padding) of ``conv2``, in pixels.
        Other arguments are those of mmseg's ``BasicBlock``.
    """

    def __init__(self, inplanes, planes, stride=1, dilation=1, conv_cfg=None,
                 **kwargs):
        super().__init__(inplanes, planes, stride=stride, dilation=1,
                         conv_cfg=conv_cfg, **kwargs)
        self.conv2 = build_conv_layer(conv_cfg, planes, planes, 3,
                                      padding=dilation, dilation=dilation,
                                      bias=False)
        self.dilation = dilation


@MODELS.register_module()
class ResNetV1cDilatedConv2(ResNetV1c):
    """ResNetV1c (deep stem) built from :class:`DilatedConv2BasicBlock`.

    SFNet-R18 uses ``depth=18, stem_channels=128, dilations=(1, 1, 2, 4),
    strides=(1, 2, 2, 2)``: output stride 32, dilated C4/C5.
    """
    arch_settings = {
        18: (DilatedConv2BasicBlock, (2, 2, 2, 2)),
        34: (DilatedConv2BasicBlock, (3, 4, 6, 3)),
    }

    def __init__(self, depth, **kwargs):
        if depth not in self.arch_settings:
            raise KeyError(
                f'ResNetV1cDilatedConv2 supports depths 18 and 34, got '
                f'{depth}; for Bottleneck depths use mmseg\'s ResNetV1c with '
                'contract_dilation=False, which is equivalent')
        super().__init__(depth=depth, **kwargs)
