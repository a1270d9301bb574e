# Copyright (c) mmcorr contributors. All rights reserved.
from .boundary_iou_metric import BoundaryIoUMetric, mask_boundary
from .cosod_metric import CoSODMetric
from .davis_metric import DAVISJFMetric
from .panoptic_metric import PanopticQualityMetric, panoptic_segments
from .pck_metric import PCKMetric, crop_and_rescale_grid
from .per_view_metric import PerViewMetric

__all__ = [
    'PanopticQualityMetric', 'panoptic_segments',
    'BoundaryIoUMetric', 'mask_boundary', 'PCKMetric',
    'crop_and_rescale_grid', 'PerViewMetric', 'CoSODMetric', 'DAVISJFMetric'
]
