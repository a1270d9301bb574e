# Copyright (c) mmcorr contributors. All rights reserved.
"""High-level inference APIs: :func:`init_model` for every task, one module
per task for its inference."""
from .correspondence import match_images, warp_image
from .cosaliency import detect_cosaliency
from .inference import init_model, load_config, test_pipeline
from .instance import segment_instances
from .video import propagate_masks, read_video

__all__ = [
    'init_model', 'load_config', 'test_pipeline', 'match_images',
    'warp_image', 'detect_cosaliency', 'propagate_masks', 'read_video',
    'segment_instances'
]
