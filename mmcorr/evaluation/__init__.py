# Copyright (c) mmcorr contributors. All rights reserved.
from .metrics import (BoundaryIoUMetric, PCKMetric, mask_boundary,
                      transfer_keypoints)

__all__ = [
    'BoundaryIoUMetric', 'mask_boundary', 'PCKMetric', 'transfer_keypoints'
]
