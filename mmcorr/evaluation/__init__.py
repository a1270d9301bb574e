# Copyright (c) mmcorr contributors. All rights reserved.
from .cosod_scores import (COSOD_KEYS, CoSODInputError, CoSODScorer,
                           evaluate_cosod_folders, match_cosod_folders)
from .davis_folders import (evaluate_davis_folders, read_id_png,
                            write_id_png)
from .davis_scores import VOS_KEYS, VOSInputError, davis_palette
from .panoptic_quality import (PanopticFormatError, PQStat, id2rgb,
                               evaluate_panoptic_folders, pq_single_image,
                               pq_summary, rgb2id)
from .metrics import (BoundaryIoUMetric, CoSODMetric, DAVISJFMetric,
                      PanopticQualityMetric, PCKMetric,
                      PerViewMetric, crop_and_rescale_grid, mask_boundary)

__all__ = [
    'PanopticQualityMetric', 'PQStat', 'pq_single_image', 'pq_summary',
    'evaluate_panoptic_folders', 'PanopticFormatError', 'rgb2id', 'id2rgb',
    'BoundaryIoUMetric', 'DAVISJFMetric', 'mask_boundary', 'PCKMetric',
    'crop_and_rescale_grid', 'PerViewMetric', 'CoSODMetric', 'CoSODScorer',
    'COSOD_KEYS', 'CoSODInputError', 'evaluate_cosod_folders',
    'match_cosod_folders', 'evaluate_davis_folders', 'read_id_png',
    'write_id_png', 'VOS_KEYS', 'VOSInputError', 'davis_palette'
]
