# Copyright (c) mmcorr contributors. All rights reserved.
from . import samplers, transforms  # registers the samplers, transforms
from .coco_panoptic import (COCOPanopticDataset, LoadPanopticAnnotations,
                            panoptic_targets)
from .collate import group_views_collate
from .cosod import (COCO9213Dataset, CoCADataset, CoSal2015Dataset,
                    CoSOD3kDataset, CoSODGroupDataset)
from .load_errors import ClearLoadErrorsMixin, SampleLoadError
from .pf_pascal import PFPascalDataset
from .pf_willow import PFWillowDataset
from .photo_objects import PhotoObjectPairsDataset, PhotoObjectsDataset
from .samplers import GroupBatchSampler
from .shape_scenes import ShapeScenesDataset
from .synthetic import generate_photo_objects, generate_shape_scenes
from .toy_instances import AdaptISToyDataset
from .transforms import ForEachView, PackMultiViewInputs
from .video import (VIDEO_META_KEYS, DAVISVideoDataset, VideoClipDataset,
                    YouTubeVOSClipDataset)

__all__ = [
    'AdaptISToyDataset', 'COCOPanopticDataset', 'LoadPanopticAnnotations',
    'panoptic_targets',
    'transforms', 'samplers', 'group_views_collate', 'CoSODGroupDataset',
    'COCO9213Dataset', 'CoCADataset', 'CoSal2015Dataset', 'CoSOD3kDataset',
    'GroupBatchSampler', 'ClearLoadErrorsMixin', 'SampleLoadError',
    'PFPascalDataset', 'PFWillowDataset', 'PhotoObjectPairsDataset',
    'PhotoObjectsDataset', 'ShapeScenesDataset', 'generate_photo_objects',
    'generate_shape_scenes', 'ForEachView', 'PackMultiViewInputs',
    'VIDEO_META_KEYS', 'DAVISVideoDataset', 'VideoClipDataset',
    'YouTubeVOSClipDataset'
]
