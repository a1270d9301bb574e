# Copyright (c) mmcorr contributors. All rights reserved.
from .resnet_dilated_conv2 import DilatedConv2BasicBlock, ResNetV1cDilatedConv2  # noqa: F401
