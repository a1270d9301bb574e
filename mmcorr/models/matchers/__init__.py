# Copyright (c) mmcorr contributors. All rights reserved.
from .semantic_flow_matcher import SemanticFlowMatcher

__all__ = ['SemanticFlowMatcher']
