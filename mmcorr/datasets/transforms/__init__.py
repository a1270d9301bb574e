# Copyright (c) mmcorr contributors. All rights reserved.
from .loading import LoadCheckedAnnotations
from .pair_transforms import (LoadImagePairFromFile, LoadMaskPairFromFile,
                              PackPairInputs, PadPair, ResizePair,
                              keypoint_validity, read_image_file)
from .synthetic_pair import LoadForegroundMask, RandomAffinePair

__all__ = [
    'LoadImagePairFromFile', 'LoadMaskPairFromFile', 'PackPairInputs',
    'PadPair', 'ResizePair', 'keypoint_validity', 'read_image_file',
    'LoadForegroundMask', 'RandomAffinePair', 'LoadCheckedAnnotations'
]
