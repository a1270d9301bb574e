# Copyright (c) mmcorr contributors. All rights reserved.
from .flow_consistency import (FlowConsistencyLoss, FlowSmoothnessLoss,
                               MaskConsistencyLoss, flow_smoothness_map,
                               foreground_count)

__all__ = [
    'FlowConsistencyLoss', 'FlowSmoothnessLoss', 'MaskConsistencyLoss',
    'flow_smoothness_map', 'foreground_count'
]
