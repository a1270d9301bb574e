# Copyright (c) mmcorr contributors. All rights reserved.
from . import transforms  # registers the transforms
from .load_errors import ClearLoadErrorsMixin, SampleLoadError
from .pf_pascal import PFPascalDataset
from .pf_willow import PFWillowDataset
from .photo_objects import PhotoObjectPairsDataset, PhotoObjectsDataset
from .shape_scenes import ShapeScenesDataset
from .synthetic import generate_photo_objects, generate_shape_scenes
from .transforms import ForEachView, PackMultiViewInputs

__all__ = [
    'transforms', 'ClearLoadErrorsMixin', 'SampleLoadError',
    'PFPascalDataset', 'PFWillowDataset', 'PhotoObjectPairsDataset',
    'PhotoObjectsDataset', 'ShapeScenesDataset', 'generate_photo_objects',
    'generate_shape_scenes', 'ForEachView', 'PackMultiViewInputs'
]
