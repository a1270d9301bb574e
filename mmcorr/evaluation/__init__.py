# Copyright (c) mmcorr contributors. All rights reserved.
from .cosod_scores import (COSOD_KEYS, CoSODInputError, CoSODScorer,
                           evaluate_cosod_folders, match_cosod_folders)
from .metrics import (BoundaryIoUMetric, CoSODMetric, PCKMetric,
                      PerViewMetric, crop_and_rescale_grid, mask_boundary)

__all__ = [
    'BoundaryIoUMetric', 'mask_boundary', 'PCKMetric',
    'crop_and_rescale_grid', 'PerViewMetric', 'CoSODMetric', 'CoSODScorer',
    'COSOD_KEYS', 'CoSODInputError', 'evaluate_cosod_folders',
    'match_cosod_folders'
]
