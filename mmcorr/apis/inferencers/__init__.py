# Copyright (c) mmcorr contributors. All rights reserved.
"""mmengine inferencers, one per task, registered in ``INFERENCERS``."""
from .base import MultiViewInferencer, inference_pipeline
from .correspondence import CorrespondenceInferencer
from .cosaliency import CoSaliencyInferencer
from .instance import PointInstanceInferencer
from .prompts import mask_from_box, mask_from_points
from .segmentation import SegmentationInferencer
from .video import VideoPropagationInferencer, clip_frames, read_video

__all__ = [
    'MultiViewInferencer', 'inference_pipeline', 'CorrespondenceInferencer',
    'CoSaliencyInferencer', 'PointInstanceInferencer',
    'SegmentationInferencer', 'VideoPropagationInferencer', 'clip_frames',
    'read_video', 'mask_from_box', 'mask_from_points'
]
