# Copyright (c) mmcorr contributors. All rights reserved.
from .boundary_iou_metric import BoundaryIoUMetric, mask_boundary
from .pck_metric import PCKMetric, transfer_keypoints

__all__ = [
    'BoundaryIoUMetric', 'mask_boundary', 'PCKMetric', 'transfer_keypoints'
]
