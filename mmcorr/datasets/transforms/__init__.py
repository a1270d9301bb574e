# Copyright (c) mmcorr contributors. All rights reserved.
from .clip_color import ClipHueShift
from .geometric import (RecordedPad, RecordedRandomFlip, RecordedResize,
                        record_homography)
from .instance_points import (LoadInstanceIds, RepeatUntilInstances,
                              SampleQueryPoints, read_instance_png)
from .loading import (LoadBinaryMask, LoadCheckedAnnotations,
                      LoadCheckedImage, LoadForegroundMask, LoadObjectIdMap,
                      LoadSaliencyMap, read_image_file)
from .synthetic_pair import RandomAffinePair
from .views import (ForEachView, PackMultiViewInputs, keypoint_validity,
                    views_from_sides)

__all__ = [
    'LoadInstanceIds', 'RepeatUntilInstances', 'SampleQueryPoints',
    'read_instance_png',
    'ClipHueShift',
    'RecordedPad', 'RecordedRandomFlip', 'RecordedResize',
    'record_homography', 'LoadCheckedAnnotations', 'LoadCheckedImage',
    'LoadForegroundMask', 'LoadObjectIdMap', 'LoadSaliencyMap',
    'LoadBinaryMask',
    'read_image_file', 'RandomAffinePair',
    'ForEachView', 'PackMultiViewInputs', 'keypoint_validity',
    'views_from_sides'
]
