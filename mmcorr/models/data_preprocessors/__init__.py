# Copyright (c) mmcorr contributors. All rights reserved.
from .color import rgb_to_lab
from .multi_view_data_preprocessor import (IMAGENET_MEAN, IMAGENET_STD,
                                           MultiViewDataPreprocessor)

__all__ = [
    'MultiViewDataPreprocessor', 'IMAGENET_MEAN', 'IMAGENET_STD', 'rgb_to_lab'
]
