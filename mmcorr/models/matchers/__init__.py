# Copyright (c) mmcorr contributors. All rights reserved.
from .identity_matcher import IdentityMatcher
from .sfnet_corr import SemanticFlowMatcher

__all__ = ['IdentityMatcher', 'SemanticFlowMatcher']
