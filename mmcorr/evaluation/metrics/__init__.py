# Copyright (c) mmcorr contributors. All rights reserved.
from .boundary_iou_metric import BoundaryIoUMetric, mask_boundary

__all__ = ['BoundaryIoUMetric', 'mask_boundary']
