# Copyright (c) mmcorr contributors. All rights reserved.
from .exact_resume_hook import (ExactResumeHook, add_exact_resume_hook,
                                capture_random_state, restore_random_state)

__all__ = [
    'ExactResumeHook', 'add_exact_resume_hook', 'capture_random_state',
    'restore_random_state'
]
