# Copyright (c) mmcorr contributors. All rights reserved.
from .correspondence_result import CorrespondenceResult
from .multi_view_data_sample import MultiViewDataSample
from .uneven_views import UnevenViews
from .view_data_sample import ViewDataSample

__all__ = [
    'CorrespondenceResult', 'MultiViewDataSample', 'UnevenViews',
    'ViewDataSample'
]
