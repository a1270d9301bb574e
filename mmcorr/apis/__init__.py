# Copyright (c) mmcorr contributors. All rights reserved.
"""High-level inference APIs."""
from .correspondence import (RESIZE_MAPPINGS, CorrespondenceResult,
                             init_matcher, match_images, protocol_affine,
                             resize_axis_affine, warp_image)

__all__ = [
    'CorrespondenceResult', 'RESIZE_MAPPINGS', 'init_matcher', 'match_images',
    'warp_image', 'resize_axis_affine', 'protocol_affine'
]
