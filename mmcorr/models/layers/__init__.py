# Copyright (c) mmcorr contributors. All rights reserved.
from .adaptis_blocks import (AdaptiveInstanceNorm, ConvMapController,
                             FCController, RelativeCoordFeatures,
                             conv_act_norm)
from .alignseg_blocks import (AlignedContextModule, AlignedFeatureAggregation,
                              ResidualRefinementBlock)
from .fuse_conv_bn import fuse_conv_bn
from .flow_alignment import FlowAlignmentModule, GatedDualFlowAlignmentModule
from .pyramid_context import PyramidPoolingContext
from .residual_adaptation import ResidualAdaptation
from .mast_memory import WindowedMemoryReader, memory_gaps

__all__ = [
    'AdaptiveInstanceNorm', 'ConvMapController', 'FCController',
    'RelativeCoordFeatures', 'conv_act_norm',
    'AlignedContextModule', 'AlignedFeatureAggregation',
    'ResidualRefinementBlock', 'FlowAlignmentModule',
    'GatedDualFlowAlignmentModule', 'PyramidPoolingContext',
    'ResidualAdaptation', 'WindowedMemoryReader', 'memory_gaps',
    'fuse_conv_bn'
]
