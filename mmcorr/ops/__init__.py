# Copyright (c) mmcorr contributors. All rights reserved.
"""One implementation of each correlation / warping primitive, used by all
methods. Pure functions; see ``docs/conventions.md`` for units and grids.

Shape, dtype and device checks always run; NaN/Inf checks are opt-in
(:func:`finite_checks`, or ``MMCORR_CHECK_FINITE=1`` in the environment)."""
from ._checks import FINITE_CHECKS_ENV, finite_checks, finite_checks_enabled
from .correlation import (global_correlation, global_correlation_chunks,
                          l2_normalize_features, local_correlation,
                          local_correlation_size, local_weighted_sum,
                          transpose_correlation)
from .patch_correlation import patch_correlation
from .sampling import sample_patches, sample_points
from .soft_argmax import (identity_grid, kernel_soft_argmax,
                          soft_argmax_grid, window_soft_argmax)
from .warp import GRID_CONVENTIONS, flow_warp, grid_warp

__all__ = [
    'global_correlation', 'global_correlation_chunks', 'l2_normalize_features',
    'local_correlation', 'local_correlation_size', 'local_weighted_sum',
    'transpose_correlation',
    'sample_patches', 'sample_points', 'patch_correlation', 'identity_grid', 'kernel_soft_argmax',
    'soft_argmax_grid', 'window_soft_argmax', 'GRID_CONVENTIONS', 'flow_warp',
    'grid_warp', 'FINITE_CHECKS_ENV', 'finite_checks', 'finite_checks_enabled'
]
