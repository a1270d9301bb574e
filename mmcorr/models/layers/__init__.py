# Copyright (c) mmcorr contributors. All rights reserved.
from .alignseg_blocks import (AlignedContextModule, AlignedFeatureAggregation,
                              ResidualRefinementBlock)
from .flow_alignment import FlowAlignmentModule, GatedDualFlowAlignmentModule
from .pyramid_context import PyramidPoolingContext
from .residual_adaptation import ResidualAdaptation

__all__ = [
    'AlignedContextModule', 'AlignedFeatureAggregation',
    'ResidualRefinementBlock', 'FlowAlignmentModule',
    'GatedDualFlowAlignmentModule', 'PyramidPoolingContext',
    'ResidualAdaptation'
]
