# Copyright (c) mmcorr contributors. All rights reserved.
"""Training-engine pieces: strict weight loading, resume, hooks."""
from .checkpoint import (CheckpointMismatchError, StateDictMismatch,
                         compare_state_dicts, find_resume_checkpoint,
                         load_model_checkpoint)
from .hooks import (ExactResumeHook, MultiViewVisualizationHook,
                    PredictionWriterHook, add_exact_resume_hook,
                    capture_random_state, restore_random_state)
from .optimizers import BF16AutocastOptimWrapper

__all__ = [
    'CheckpointMismatchError', 'StateDictMismatch', 'compare_state_dicts',
    'find_resume_checkpoint', 'load_model_checkpoint', 'ExactResumeHook',
    'add_exact_resume_hook', 'capture_random_state', 'restore_random_state',
    'BF16AutocastOptimWrapper', 'MultiViewVisualizationHook',
    'PredictionWriterHook'
]
