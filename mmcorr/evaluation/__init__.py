# Copyright (c) mmcorr contributors. All rights reserved.
from .metrics import BoundaryIoUMetric, mask_boundary

__all__ = ['BoundaryIoUMetric', 'mask_boundary']
