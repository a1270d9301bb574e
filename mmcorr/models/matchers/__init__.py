# Copyright (c) mmcorr contributors. All rights reserved.
from .identity_matcher import IdentityMatcher
from .semantic_flow_matcher import SemanticFlowMatcher

__all__ = ['IdentityMatcher', 'SemanticFlowMatcher']
