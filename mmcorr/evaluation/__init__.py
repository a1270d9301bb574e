# Copyright (c) mmcorr contributors. All rights reserved.
from .cosod_scores import (COSOD_KEYS, CoSODInputError, CoSODScorer,
                           evaluate_cosod_folders, match_cosod_folders)
from .davis_folders import (evaluate_davis_folders, read_id_png,
                            write_id_png)
from .davis_scores import VOS_KEYS, VOSInputError, davis_palette
from .metrics import (BoundaryIoUMetric, CoSODMetric, DAVISJFMetric,
                      PCKMetric,
                      PerViewMetric, crop_and_rescale_grid, mask_boundary)

__all__ = [
    'BoundaryIoUMetric', 'DAVISJFMetric', 'mask_boundary', 'PCKMetric',
    'crop_and_rescale_grid', 'PerViewMetric', 'CoSODMetric', 'CoSODScorer',
    'COSOD_KEYS', 'CoSODInputError', 'evaluate_cosod_folders',
    'match_cosod_folders', 'evaluate_davis_folders', 'read_id_png',
    'write_id_png', 'VOS_KEYS', 'VOSInputError', 'davis_palette'
]
