# Copyright (c) mmcorr contributors. All rights reserved.
from .load_errors import ClearLoadErrorsMixin, SampleLoadError
from .shape_scenes import ShapeScenesDataset
from .synthetic import generate_shape_scenes

__all__ = [
    'ClearLoadErrorsMixin', 'SampleLoadError', 'ShapeScenesDataset',
    'generate_shape_scenes'
]
