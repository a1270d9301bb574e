# Copyright (c) mmcorr contributors. All rights reserved.
from .mast_video_segmentor import (MASTVideoSegmentor, drop_colour_channel,
                                   one_hot_labels)
from .propagation_baselines import FirstMaskCopy, LabPixelKeys

__all__ = [
    'MASTVideoSegmentor', 'drop_colour_channel', 'one_hot_labels',
    'FirstMaskCopy', 'LabPixelKeys'
]
