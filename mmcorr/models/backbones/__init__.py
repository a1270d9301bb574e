# Copyright (c) mmcorr contributors. All rights reserved.
from .adaptis_toy_unet import AdaptISToyUNet
from .efficientnet_lite import EfficientNetLite
from .lab_imagenet_encoder import LabImageNetEncoder
from .projected_taps import ProjectedTaps
from .resnet_ceil_pool import ResNetV1cCeilPool
from .resnet18_stride4 import ResNet18Stride4
from .resnet_dilated_conv2 import DilatedConv2BasicBlock, ResNetV1cDilatedConv2
from .segmentor_features import SegmentorFeatures
from .vgg16_taps import VGG16PrePoolTaps

__all__ = [
    'AdaptISToyUNet', 'SegmentorFeatures',
    'ResNetV1cCeilPool', 'DilatedConv2BasicBlock', 'ResNetV1cDilatedConv2',
    'VGG16PrePoolTaps', 'ResNet18Stride4', 'EfficientNetLite',
    'ProjectedTaps', 'LabImageNetEncoder'
]
