# Copyright (c) mmcorr contributors. All rights reserved.
from .flow_alignment import FlowAlignmentModule, GatedDualFlowAlignmentModule  # noqa: F401
from .pyramid_context import PyramidPoolingContext  # noqa: F401
