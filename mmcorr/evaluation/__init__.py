# Copyright (c) mmcorr contributors. All rights reserved.
from .metrics import (BoundaryIoUMetric, PCKMetric, PerViewMetric,
                      crop_and_rescale_grid, mask_boundary)

__all__ = [
    'BoundaryIoUMetric', 'mask_boundary', 'PCKMetric',
    'crop_and_rescale_grid', 'PerViewMetric'
]
