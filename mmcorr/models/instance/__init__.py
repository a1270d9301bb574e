# Copyright (c) mmcorr contributors. All rights reserved.
"""Point-driven instance segmentation (AdaptIS)."""
from .adaptis_heads import (AdaptISInstanceHead, AdaptISSepConvInstanceHead,
                            ConvStackHead, separable_conv)
from .adaptis_segmentor import AdaptISSegmentor, official_xavier_init

__all__ = [
    'AdaptISInstanceHead', 'AdaptISSepConvInstanceHead', 'ConvStackHead',
    'separable_conv', 'AdaptISSegmentor',
    'official_xavier_init'
]
