# Copyright (c) mmcorr contributors. All rights reserved.
"""High-level inference: one registered inferencer per task
(:mod:`mmcorr.apis.inferencers`), :func:`init_model` for every task, and
function APIs that wrap the inferencers."""
from .correspondence import match_images, warp_image
from .cosaliency import detect_cosaliency
from .inference import (init_model, load_config, read_input_image,
                        test_pipeline)
from .inferencers import (CorrespondenceInferencer, CoSaliencyInferencer,
                          MultiViewInferencer, PointInstanceInferencer,
                          SegmentationInferencer, VideoPropagationInferencer,
                          mask_from_box, mask_from_points)
from .instance import segment_instances
from .video import propagate_masks, read_video

__all__ = [
    'init_model', 'load_config', 'read_input_image', 'test_pipeline',
    'match_images', 'warp_image', 'detect_cosaliency', 'propagate_masks',
    'read_video', 'segment_instances', 'MultiViewInferencer',
    'CorrespondenceInferencer', 'CoSaliencyInferencer',
    'PointInstanceInferencer', 'SegmentationInferencer',
    'VideoPropagationInferencer', 'mask_from_box', 'mask_from_points'
]
