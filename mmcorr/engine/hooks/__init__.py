# Copyright (c) mmcorr contributors. All rights reserved.
from .exact_resume_hook import (ExactResumeHook, add_exact_resume_hook,
                                capture_random_state, restore_random_state)
from .prediction_hooks import MultiViewVisualizationHook, PredictionWriterHook

__all__ = [
    'ExactResumeHook', 'add_exact_resume_hook', 'capture_random_state',
    'restore_random_state', 'MultiViewVisualizationHook',
    'PredictionWriterHook'
]
