# Copyright (c) mmcorr contributors. All rights reserved.
from .pair_transforms import (LoadImagePairFromFile, LoadMaskPairFromFile,
                              PackPairInputs, PadPair, ResizePair,
                              keypoint_validity, read_image_file)

__all__ = [
    'LoadImagePairFromFile', 'LoadMaskPairFromFile', 'PackPairInputs',
    'PadPair', 'ResizePair', 'keypoint_validity', 'read_image_file'
]
