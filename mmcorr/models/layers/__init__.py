# Copyright (c) mmcorr contributors. All rights reserved.
from .alignseg_blocks import (AlignedContextModule, AlignedFeatureAggregation,
                              ResidualRefinementBlock)
from .flow_alignment import FlowAlignmentModule, GatedDualFlowAlignmentModule
from .pyramid_context import PyramidPoolingContext
from .residual_adaptation import ResidualAdaptation
from .windowed_memory import WindowedMemoryReader, memory_gaps

__all__ = [
    'AlignedContextModule', 'AlignedFeatureAggregation',
    'ResidualRefinementBlock', 'FlowAlignmentModule',
    'GatedDualFlowAlignmentModule', 'PyramidPoolingContext',
    'ResidualAdaptation', 'WindowedMemoryReader', 'memory_gaps'
]
